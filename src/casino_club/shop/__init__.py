"""Shop: catalog, purchases, payment gateway and webhook, limited packages, promo codes."""
