# C declarations for reports.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.
from tradewind.venues.sim.engine.instrument cimport Instrument
from tradewind.venues.sim.engine.records cimport OrderRecord


cdef class Reports:
    cdef public object amounts

    cpdef view(self, OrderRecord r, client_order_id=*, orig=*)
    cpdef fills(self, account_id, Instrument inst, records)
