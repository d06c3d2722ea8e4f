// The sample order of an epoch and its saved form, shared by the iterators
// that shuffle (NDArrayIter, the image iterator): the same seed gives the same
// order with every standard library, so a run resumed by another build sees
// the batches the saving run would have.
#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/error.h"

namespace fitbench {

// Fisher-Yates with unbiased bounded draws. mt19937_64's output is fixed by
// the standard but std::shuffle's and uniform_int_distribution's use of it are not.
inline void shuffle_portably(std::vector<int64_t>& order, std::mt19937_64& rng) {
  for (uint64_t n = order.size(); n > 1; --n) {
    // Draws below 2^64 mod n are rejected so every residue is equally likely.
    const uint64_t threshold = (0 - n) % n;
    uint64_t draw = rng();
    while (draw < threshold) draw = rng();
    std::swap(order[n - 1], order[draw % n]);
  }
}

// "<tag> <generator state>": what DataIter::save_state() returns.
inline std::string rng_state(const char* tag, const std::mt19937_64& rng) {
  std::ostringstream os;
  os << tag << ' ' << rng;
  return os.str();
}

// The generator of a rng_state() text. Throws Error naming `iterator` when
// the text was saved by another kind of iterator or is damaged.
inline std::mt19937_64 parse_rng_state(const std::string& state, const char* tag, const std::string& iterator) {
  std::istringstream is(state);
  std::string saved_tag;
  std::mt19937_64 rng;
  is >> saved_tag >> rng;
  if (saved_tag != tag || is.fail())
    fail("cannot restore the data iterator ", iterator, ": the saved state is not its state (", tag, ")");
  return rng;
}

}  // namespace fitbench
