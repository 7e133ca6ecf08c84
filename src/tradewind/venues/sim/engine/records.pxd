# C declarations for records.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.

cdef class OrderRecord:
    cdef public object account
    cdef public object client_order_id
    cdef public object cum_quote
    cdef public object executed
    cdef public object in_book
    cdef public object inst
    cdef public object is_buy
    cdef public object lock
    cdef public object order_id
    cdef public object orig_qty
    cdef public object orig_quote_qty
    cdef public object price
    cdef public object price_tick
    cdef public object qty_decimal
    cdef public object side
    cdef public object status
    cdef public object stp_mode
    cdef public object tif
    cdef public object time
    cdef public object type
    cdef public object update_time
    cdef public object working_time
