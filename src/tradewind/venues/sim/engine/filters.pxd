# C declarations for filters.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them.
import cython

from tradewind.venues.sim.engine.instrument cimport Instrument


@cython.locals(is_buy=cython.bint)
cpdef check_order(Instrument inst, order, now, open_orders, quote_scale)
