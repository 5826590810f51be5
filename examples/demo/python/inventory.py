"""Inventory bookkeeping: the Python side of the demo workspace."""
from dataclasses import dataclass, field

LOW_STOCK = 5


@dataclass
class Item:
    sku: str
    quantity: int = 0


class Warehouse:
    """Holds items by SKU and reports what runs low."""

    def __init__(self, name):
        self.name = name
        self.items = {}

    def receive(self, sku, quantity):
        item = self.items.setdefault(sku, Item(sku))
        item.quantity += quantity
        return item

    @property
    def low_stock(self):
        return [item for item in self.items.values() if is_low(item)]

    class Audit:
        def run(self, warehouse):
            return len(warehouse.low_stock)


def is_low(item):
    return item.quantity < LOW_STOCK


def main():
    house = Warehouse("north")
    house.receive("apple", 3)
    print(house.low_stock)


if __name__ == "__main__":
    main()
