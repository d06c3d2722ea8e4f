// A port of numpy 1.23.x's introselect (numpy/core/src/npysort/selection.cpp,
// the argpartition instance for npy_float), for MXNet's top-k accuracy: which
// of several tied classes ends up in the top k is whatever numpy's swaps leave
// there, so the steps below keep numpy's order of comparisons and swaps.
// numpy's pivot stack only matters when one call partitions at several kth;
// argpartition with one kth starts it empty and never reads it, so it is left out.
#include "train/numpy_argpartition.h"

#include <bit>
#include <cmath>
#include <numeric>
#include <utility>

#include "fitbench/error.h"

namespace fitbench {

namespace {

// numpy's FLOAT_LT: NaN sorts after every number.
bool less(float a, float b) { return a < b || (std::isnan(b) && !std::isnan(a)); }

// Every helper sees the row through `idx`, the part of the index array it
// works on (numpy's arg variant offsets tosort, never the values).

// Median of v[low], v[mid], v[high] moved to low, the smallest to low + 1, so
// the partition below needs no bounds checks.
void median3_swap(const float* v, int64_t* idx, int64_t low, int64_t mid, int64_t high) {
  if (less(v[idx[high]], v[idx[mid]])) std::swap(idx[high], idx[mid]);
  if (less(v[idx[high]], v[idx[low]])) std::swap(idx[high], idx[low]);
  if (less(v[idx[low]], v[idx[mid]])) std::swap(idx[low], idx[mid]);
  std::swap(idx[mid], idx[low + 1]);
}

// Position (0..4) of the median of idx[0..5), after numpy's swaps among them.
int64_t median5(const float* v, int64_t* idx) {
  if (less(v[idx[1]], v[idx[0]])) std::swap(idx[1], idx[0]);
  if (less(v[idx[4]], v[idx[3]])) std::swap(idx[4], idx[3]);
  if (less(v[idx[3]], v[idx[0]])) std::swap(idx[3], idx[0]);
  if (less(v[idx[4]], v[idx[1]])) std::swap(idx[4], idx[1]);
  if (less(v[idx[2]], v[idx[1]])) std::swap(idx[2], idx[1]);
  if (less(v[idx[3]], v[idx[2]])) return less(v[idx[3]], v[idx[1]]) ? 1 : 3;
  return 2;
}

// Hoare partition around `pivot` between the sentinels at ll and hh (both
// moved inwards first); hh ends where the pivot belongs.
void unguarded_partition(const float* v, int64_t* idx, float pivot, int64_t& ll, int64_t& hh) {
  for (;;) {
    do ++ll;
    while (less(v[idx[ll]], pivot));
    do --hh;
    while (less(pivot, v[idx[hh]]));
    if (hh < ll) break;
    std::swap(idx[ll], idx[hh]);
  }
}

// Selection sort of the kth + 1 smallest, numpy's choice for kth < 3.
void dumb_select(const float* v, int64_t* idx, int64_t num, int64_t kth) {
  for (int64_t i = 0; i <= kth; ++i) {
    int64_t min_idx = i;
    float min_val = v[idx[i]];
    for (int64_t k = i + 1; k < num; ++k)
      if (less(v[idx[k]], min_val)) {
        min_idx = k;
        min_val = v[idx[k]];
      }
    std::swap(idx[i], idx[min_idx]);
  }
}

void introselect(const float* v, int64_t* idx, int64_t num, int64_t kth);

// The median of the medians of groups of 5 (moved to the front), for a pivot
// that keeps selection linear when median-of-3 makes too little progress.
int64_t median_of_median5(const float* v, int64_t* idx, int64_t num) {
  const int64_t nmed = num / 5;
  for (int64_t i = 0, sub = 0; i < nmed; ++i, sub += 5) {
    const int64_t m = median5(v, idx + sub);
    std::swap(idx[sub + m], idx[i]);
  }
  if (nmed > 2) introselect(v, idx, nmed, nmed / 2);
  return nmed / 2;
}

void introselect(const float* v, int64_t* idx, int64_t num, int64_t kth) {
  int64_t low = 0;
  int64_t high = num - 1;
  if (kth < 3) {
    dumb_select(v, idx, num, kth);
    return;
  }
  if (kth == num - 1) {
    // The last maximum (NaN above all) goes to the end.
    int64_t max_idx = low;
    float max_val = v[idx[low]];
    for (int64_t k = low + 1; k < num; ++k)
      if (!less(v[idx[k]], max_val)) {
        max_idx = k;
        max_val = v[idx[k]];
      }
    std::swap(idx[kth], idx[max_idx]);
    return;
  }
  // numpy's npy_get_msb: floor(log2(num)).
  int depth_limit = 2 * (std::bit_width(static_cast<uint64_t>(num)) - 1);
  while (low + 1 < high) {
    int64_t ll = low + 1;
    int64_t hh = high;
    if (depth_limit > 0 || hh - ll < 5) {
      median3_swap(v, idx, low, low + (high - low) / 2, high);
    } else {
      const int64_t mid = ll + median_of_median5(v, idx + ll, hh - ll);
      std::swap(idx[mid], idx[low]);
      // This pivot has no sentinels beside it: widen the scan by one each side.
      --ll;
      ++hh;
    }
    --depth_limit;
    unguarded_partition(v, idx, v[idx[low]], ll, hh);
    std::swap(idx[low], idx[hh]);
    if (hh >= kth) high = hh - 1;
    if (hh <= kth) low = ll;
  }
  if (high == low + 1 && less(v[idx[high]], v[idx[low]])) std::swap(idx[high], idx[low]);
}

}  // namespace

void numpy_argpartition(const float* row, int64_t n, int64_t kth, int64_t* order) {
  FB_ASSERT(kth >= 0 && kth < n);
  std::iota(order, order + n, int64_t{0});
  if (n > 1) introselect(row, order, n, kth);
}

}  // namespace fitbench
