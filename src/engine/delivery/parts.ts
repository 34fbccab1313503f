// How a run cuts a batch into parts that overlap (see Runner#deliverBatch).

/** Records a part of the collections path holds at most. */
export const PIPELINE_PART = 1000;
/** About the records of one Bulk API job when a batch goes in several. */
export const BULK_PART = 5000;

/**
 * A batch's parts. Above the bulk threshold each part is a Bulk API job of about BULK_PART
 * records (never at or below the threshold, so each still goes by Bulk): planning the next part
 * and recording the last one hide behind the org's processing of this one. Otherwise up to
 * PIPELINE_PART records, rounded down to whole rounds of the client's call slots (200 records a
 * call), so no part ends with a round that leaves slots idle.
 */
export function partsOf<T>(candidates: T[], delivery: { bulkThreshold: number; concurrency: number }): T[][] {
  const split = (size: number) => {
    const parts: T[][] = [];
    for (let i = 0; i < candidates.length; i += size) parts.push(candidates.slice(i, i + size));
    return parts;
  };
  if (candidates.length > delivery.bulkThreshold) {
    // The first part is smaller (half a part, or twice the smallest Bulk job under a low
    // threshold), so the org has work sooner; the rest in parts of about BULK_PART.
    const minimum = delivery.bulkThreshold + 1;
    const first = Math.max(minimum, Math.min(Math.ceil(BULK_PART / 2), 2 * minimum));
    if (candidates.length - first < minimum) return [candidates];
    const rest = candidates.slice(first);
    const count = Math.max(1, Math.min(Math.round(rest.length / BULK_PART), Math.floor(rest.length / minimum)));
    // Even parts (sizes differ by one at most), so none falls to the threshold.
    const parts = [candidates.slice(0, first)];
    for (let k = 0, at = 0; k < count; k++) {
      const size = Math.floor(rest.length / count) + (k < rest.length % count ? 1 : 0);
      parts.push(rest.slice(at, (at += size)));
    }
    return parts;
  }
  const round = 200 * delivery.concurrency;
  const limit = Math.min(PIPELINE_PART, delivery.bulkThreshold);
  return split(limit >= round ? limit - (limit % round) : limit);
}
