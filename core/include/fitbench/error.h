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

// A bad value of one setting of the layer that throws it: a NetworkConfig
// field ("num_layers"), a kvstore's type ("kvstore"), the "batch_size" split
// over devices. The message says what is wrong in that layer's words; the
// layer that took the value from a person names it in theirs (train/ as the
// fit.py argument: "argument --num-layers: ...").
class SettingError : public Error {
 public:
  SettingError(std::string setting, const std::string& message) : Error(message), setting_(std::move(setting)) {}
  const std::string& setting() const noexcept { return setting_; }

 private:
  std::string setting_;
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

// Throws SettingError for `setting` with the parts streamed together.
template <class... Parts>
[[noreturn]] void fail_setting(std::string setting, Parts&&... parts) {
  throw SettingError(std::move(setting), detail::concat(std::forward<Parts>(parts)...));
}

}  // namespace fitbench

// A broken internal invariant: reports the condition, file and line.
#define FB_ASSERT(cond)                                                              \
  do {                                                                               \
    if (!(cond))                                                                     \
      throw ::fitbench::InternalError(::fitbench::detail::concat(                    \
          "internal error: ", #cond, " failed at ", __FILE__, ":", __LINE__));       \
  } while (0)
