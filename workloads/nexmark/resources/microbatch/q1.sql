-- q1 over any batch of events. 0.908 as in nexmark/nexmark q1.sql; DECIMAL(23, 3) as its sink.
SELECT auction, bidder, CAST(price * 0.908 AS DECIMAL(23, 3)) AS price, "dateTime", extra FROM bid;
