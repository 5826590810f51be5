// This file has a deliberate syntax error: the `for` header lacks its `)`.
export function sumPrices(items) {
  let sum = 0;
  for (const item of items {
    sum += item.price;
  }
  return sum;
}
