"""Built-in appointment booking: slots from office data, DB-enforced single booking, codes, .ics."""
