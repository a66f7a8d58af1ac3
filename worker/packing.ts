// Splitting a list into consecutive groups under a count and a size limit: D1 statements (rows
// per statement, bound text) and Queue sendBatch calls (messages per call, bytes). Pure.

/**
 * `items` in order, in groups of at most `maxCount` items whose `sizeOf` adds up to at most
 * `maxSize`; an item larger than `maxSize` on its own goes in a group of its own.
 */
export function packBySize<T>(items: readonly T[], maxCount: number, maxSize: number, sizeOf: (item: T) => number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const own = sizeOf(item);
    if (current.length && (current.length >= maxCount || size + own > maxSize)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += own;
  }
  if (current.length) groups.push(current);
  return groups;
}
