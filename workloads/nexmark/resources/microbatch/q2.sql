-- q2 over any batch of events.
SELECT auction, price, "dateTime" FROM bid WHERE auction % 123 = 0;
