package demo.inventory;

import java.util.HashMap;
import java.util.Map;

/** Stock levels by SKU: the Java side of the demo workspace. */
public class Inventory implements Countable {
    public static final int LOW_STOCK = 5;

    private final Map<String, Integer> stock = new HashMap<>();

    public Inventory() {
    }

    public void receive(String sku, int quantity) {
        stock.merge(sku, quantity, Integer::sum);
    }

    public boolean isLow(String sku) {
        return count(sku) < LOW_STOCK;
    }

    @Override
    public int count(String sku) {
        return stock.getOrDefault(sku, 0);
    }

    enum Unit { PIECE, BOX }
}

interface Countable {
    int count(String sku);
}
