# C declarations for matching.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.
import cython

from tradewind.venues.sim.engine.accounts cimport Account
from tradewind.venues.sim.engine.instrument cimport BookSide, Instrument, Level
from tradewind.venues.sim.engine.records cimport OrderRecord


cdef class Matcher:
    cdef public object _fee
    cdef public object _history_limit
    cdef public object _orders
    cdef public object _prune_at
    cdef public object _reports
    cdef public object _unit

    @cython.locals(
        opp=BookSide, level=Level, m=OrderRecord, account=Account, maker_account=Account,
        i=Py_ssize_t, is_buy=cython.bint, by_quote=cython.bint, prevent=cython.bint,
        done=cython.bint,
    )
    cpdef int match(
        self, Instrument inst, OrderRecord taker, quote, now, taker_fills, events, touched
    ) except? -2
