// The shape every demand operator shares: per-subscription state, one handler per item, errors and
// completion passed through, and a teardown (timers) when the subscriber leaves.
import { Observable, type OperatorFunction } from "rxjs";

export interface ItemHandler<I> {
  readonly next: (item: I) => void;
  readonly teardown?: () => void;
}

export function statefulOperator<I, O>(
  create: (emit: (o: O) => void) => ItemHandler<I>,
): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      const handler = create((o) => subscriber.next(o));
      const sub = source.subscribe({
        next: (item) => handler.next(item),
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        handler.teardown?.();
        sub.unsubscribe();
      };
    });
}

/** The value under `key`, created on first use. */
export function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = create();
    map.set(key, v);
  }
  return v;
}
