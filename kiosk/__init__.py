"""The ticket kiosk: buttons, lights and a thermal printer on a Raspberry Pi."""
