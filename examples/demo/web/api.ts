// Typed client for the inventory service.
import { Cart } from './cart.js';

export interface Product {
  id: string;
  name: string;
  price: number;
  fetchStock(): Promise<number>;
}

export type ProductId = Product['id'];

export enum Status {
  Active,
  Discontinued,
}

export namespace Api {
  export const BASE_URL = 'https://inventory.example';
}

export class InventoryClient {
  private readonly cache = new Map<ProductId, Product>();

  constructor(private readonly baseUrl: string = Api.BASE_URL) {}

  async product(id: ProductId): Promise<Product> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const fetched = await fetchJson<Product>(`${this.baseUrl}/products/${id}`);
    this.cache.set(id, fetched);
    return fetched;
  }

  async fillCart(cart: Cart, ids: ProductId[]): Promise<Cart> {
    for (const id of ids) {
      cart.add(await this.product(id));
    }
    return cart;
  }
}

export async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}
