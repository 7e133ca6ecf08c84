# C declarations for accounts.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.

cdef class Account:
    cdef public object account_id
    cdef public dict cids
    cdef public dict fills
    cdef public dict free
    cdef public dict history
    cdef public dict live_cids
    cdef public dict locked
    cdef public object maker_commission
    cdef public object maker_den
    cdef public object maker_num
    cdef public dict open
    cdef public object taker_commission
    cdef public object taker_den
    cdef public object taker_num
