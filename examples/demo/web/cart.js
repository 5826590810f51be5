// A shopping cart: the JavaScript side of the demo workspace.
import { formatPrice } from './format.js';

export const TAX_RATE = 0.2;

export class Cart {
  constructor(owner) {
    this.owner = owner;
    this.items = [];
  }

  add(item, quantity = 1) {
    this.items.push({ ...item, quantity });
    return this;
  }

  total() {
    const net = this.items.reduce((sum, line) => sum + line.price * line.quantity, 0);
    return applyTax(net);
  }

  describe() {
    return `${this.owner}: ${formatPrice(this.total())}`;
  }
}

export function applyTax(amount) {
  return amount * (1 + TAX_RATE);
}

const emptyCart = (owner) => new Cart(owner);

export default emptyCart;
