"""What Dovetail owes the outside world: subscriptions, shop links, deliveries and their tries."""
