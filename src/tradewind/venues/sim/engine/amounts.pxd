# C declarations for amounts.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.

cdef class AmountScale:
    cdef public object _coarse
    cdef public object commission_unit
    cdef public object scale

    cpdef to_decimal(self, units)
