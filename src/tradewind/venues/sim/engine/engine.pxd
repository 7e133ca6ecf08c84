# C declarations for engine.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.
import cython

from tradewind.venues.sim.engine.accounts cimport Account
from tradewind.venues.sim.engine.instrument cimport BookSide, Instrument, Level
from tradewind.venues.sim.engine.matching cimport Matcher
from tradewind.venues.sim.engine.records cimport OrderRecord


cdef class MatchingEngine:
    cdef public object specs
    cdef public object _accounts
    cdef public object _amounts
    cdef public object _clock
    cdef public object _emit
    cdef public object _fee
    cdef public object _history_limit
    cdef public object _instruments
    cdef public object _listeners
    cdef public Matcher _matcher
    cdef public object _next_client_id
    cdef public object _next_order_id
    cdef public object _orders
    cdef public object _prune_at
    cdef public object _reports
    cdef public object _scale
    cdef public object _view
    cdef dict __dict__  # tests and tools may still hang attributes on an engine

    @cython.locals(
        inst=Instrument, account=Account, rec=OrderRecord, opp=BookSide, side_book=BookSide,
        level=Level, is_buy=cython.bint,
    )
    cpdef place(self, account_id, order)

    @cython.locals(inst=Instrument, account=Account, rec=OrderRecord)
    cpdef cancel(
        self, account_id, symbol, order_id=*, client_order_id=*, new_client_order_id=*
    )

    @cython.locals(inst=Instrument, account=Account, side=BookSide, level=Level, count=Py_ssize_t)
    cpdef _cancel(self, OrderRecord rec, cancel_id, now, events)
