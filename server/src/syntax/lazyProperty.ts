/**
 * A property built when first read: how an analysis carries what would be costly to build as
 * objects (its outline, its folds) in a compact form until something asks for the objects.
 *
 * Design: the property is redefined in place as an enumerable accessor, so the object's keys keep
 * their order; the first read builds the value and replaces the accessor with an ordinary data
 * property, and so does a write. `dropped` runs when the compact form stops being the value, so
 * whoever keeps that form beside the object can let it go.
 * Synchronous; per object.
 */
export function buildWhenRead<T extends object, K extends keyof T>(
  target: T, key: K, build: () => T[K], dropped?: () => void,
): void {
  const settle = (value: T[K]): void => {
    dropped?.();
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  };
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = build();
      settle(value);
      return value;
    },
    set(value: T[K]) {
      settle(value);
    },
  });
}
