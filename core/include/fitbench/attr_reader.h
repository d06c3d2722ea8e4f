// Typed access to MXNet attribute strings, with errors that name the operator
// and the attribute. Reads "5", "(5, 5)", "[5,5]", "True"/"False"/"1"/"0".
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fitbench/operator.h"

namespace fitbench {

class AttrReader {
 public:
  AttrReader(const char* op, const Attrs& attrs);

  int get_int(const std::string& key, int fallback) const;
  float get_float(const std::string& key, float fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  // One of `choices`; anything else is an error listing them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;
  // A tuple; a single number is broadcast to `length` entries when length > 0.
  std::vector<int> get_tuple(const std::string& key, std::vector<int> fallback,
                             int length = 0) const;
  bool has(const std::string& key) const;
  int require_int(const std::string& key) const;

  // Rejects keys the operator never read, except MXNet's "__...__" variable
  // attributes and those in `ignored` (hints such as "workspace").
  void reject_unknown(const std::set<std::string>& ignored = {}) const;

 private:
  std::optional<std::string> find(const std::string& key) const;
  const char* op_;
  const Attrs& attrs_;
  mutable std::set<std::string> read_;
};

// Parses "(5, 5)" / "[5,5]" / "5" into integers; throws Error naming `what`.
std::vector<int> parse_int_tuple(const std::string& text, const std::string& what);
std::vector<float> parse_float_tuple(const std::string& text, const std::string& what);

}  // namespace fitbench
