// Errors of the core.
//
// fitbench::Error is what a user sees: a sentence naming the file, argument or
// layer at fault and what to do. InternalError marks a broken invariant of our
// own (a bug), raised through FB_ASSERT. The core never exits or aborts on bad
// input, since a GUI hosts it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace fitbench {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
template <class... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  return os.str();
}
}  // namespace detail

// Throws fitbench::Error with the parts streamed together.
template <class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  throw Error(detail::concat(std::forward<Parts>(parts)...));
}

}  // namespace fitbench

// A broken internal invariant: reports the condition, file and line.
#define FB_ASSERT(cond)                                                              \
  do {                                                                               \
    if (!(cond))                                                                     \
      throw ::fitbench::InternalError(::fitbench::detail::concat(                    \
          "internal error: ", #cond, " failed at ", __FILE__, ":", __LINE__));       \
  } while (0)
