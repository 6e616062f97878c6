-- q0 over any batch of events.
SELECT auction, bidder, price, "dateTime", extra FROM bid;
