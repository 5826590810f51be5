// Renders a cart; the TSX side of the demo workspace.
import { Cart } from './cart.js';
import { formatPrice } from './format.js';

interface CartViewProps {
  cart: Cart;
  onCheckout: () => void;
}

export function CartView({ cart, onCheckout }: CartViewProps) {
  return (
    <section className="cart">
      <h2>{cart.owner}</h2>
      <Total value={cart.total()} />
      <button onClick={onCheckout}>Checkout</button>
    </section>
  );
}

const Total = ({ value }: { value: number }) => <strong>{formatPrice(value)}</strong>;
