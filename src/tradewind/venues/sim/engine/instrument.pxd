# C declarations for instrument.py when Cython compiles it (setup.py); the .py file stays the
# source and runs unchanged without them. Attributes of the classes declared here are
# struct fields in the compiled module: every attribute a class sets must be listed.

cdef class Level:
    cdef public object count
    cdef public object head
    cdef public list orders
    cdef public object qty


cdef class BookSide:
    cdef public object _heap
    cdef public object _in_heap
    cdef public dict changed
    cdef public object is_bid
    cdef public dict levels


cdef class Instrument:
    cdef public object amounts
    cdef public object ask_down
    cdef public object ask_up
    cdef public BookSide asks
    cdef public object base
    cdef public object base_per_qty
    cdef public object bid_down
    cdef public object bid_up
    cdef public BookSide bids
    cdef public object last_tick
    cdef public object limit_qtys
    cdef public object market_max_qty
    cdef public object market_min_qty
    cdef public object market_qtys
    cdef public object market_step
    cdef public object max_num_orders
    cdef public object max_pq
    cdef public object max_qty
    cdef public object min_pq
    cdef public object min_qty
    cdef public object next_trade_id
    cdef public object notional_filter
    cdef public object price_of_tick
    cdef public object price_ticks
    cdef public object qty_of_units
    cdef public object qty_places
    cdef public object quote
    cdef public object quote_per_pq
    cdef public object spec
    cdef public object step
    cdef public object symbol
    cdef public object taken_update_id
    cdef public object tick_size
    cdef public object update_id
    cdef public object window
    cdef public object window_ms
    cdef public object window_pq
    cdef public object window_qty
