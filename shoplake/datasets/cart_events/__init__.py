"""The cart_events dataset: the cart service's add, remove and checkout events."""
