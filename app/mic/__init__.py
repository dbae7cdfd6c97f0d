"""The people's mic: a text said phrase by phrase, for a crowd to repeat without amplification."""
