/**
 * Formatting helpers shared by the cart and the view.
 */
export function formatPrice(value, currency = 'EUR') {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(value);
}
