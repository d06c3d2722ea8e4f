// The companion tools' arguments: a model's training run lends its data
// settings (config.json beside --model-prefix) to what the command line leaves out.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "file_test_util.h"
#include "fitbench/fit.h"
#include "fitbench/tool_args.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

const ToolCommandLine& predict_like() {
  static const ToolCommandLine cl("tool", "a test tool", {},
                                  {"model-prefix", "load-epoch", "data-train", "image-shape", "rgb-mean", "rgb-std"},
                                  "INPUT");
  return cl;
}

// What fitbench-cli writes for a run on an image folder, saving under `prefix`.
void write_run_config(const test::TempDir& dir, const std::string& prefix) {
  FitArgs run = train_mnist_defaults();
  run.set("network", "lenet");
  run.set("data-train", "images/train");
  run.set("rgb-mean", "120,121,122");
  run.set("model-prefix", prefix);
  std::ofstream(dir.file("config.json")) << run.to_json().dump(2);
}

// fitbench-predict and fitbench-export read inputs as idx data unless told
// otherwise, so a model trained on images was fed pixel / 255 without a word.
TEST(ToolArgs, TakeTheDataSettingsOfTheModelsRun) {
  test::TempDir dir;
  write_run_config(dir, "runs/folder/lenet");
  const ToolArgs a =
      predict_like().parse({"--model-prefix", dir.file("lenet"), "--load-epoch", "1", "x.png"}, train_mnist_defaults());
  EXPECT_EQ(a.fit.get_string("data-train"), "images/train");
  EXPECT_EQ(a.fit.get_string("rgb-mean"), "120,121,122");
  EXPECT_THAT(a.run_settings, HasSubstr(dir.file("config.json")));
  EXPECT_THAT(a.run_settings, HasSubstr("--data-train images/train --rgb-mean 120,121,122;"));
  // Settings that match are not listed; rgb-std is the default in both.
  EXPECT_THAT(a.run_settings, ::testing::Not(HasSubstr("--rgb-std")));

  // What the command line gives wins; the partial checkpoint is the same run's.
  const ToolArgs given = predict_like().parse(
      {"--model-prefix", dir.file("lenet-partial"), "--load-epoch", "1", "--rgb-mean", "0,0,0", "x.png"},
      train_mnist_defaults());
  EXPECT_EQ(given.fit.get_string("rgb-mean"), "0,0,0");
  EXPECT_EQ(given.fit.get_string("data-train"), "images/train");
}

TEST(ToolArgs, AnotherRunsConfigIsLeftAlone) {
  test::TempDir dir;
  write_run_config(dir, "runs/folder/other");
  const ToolArgs a =
      predict_like().parse({"--model-prefix", dir.file("lenet"), "--load-epoch", "1", "x.png"}, train_mnist_defaults());
  EXPECT_EQ(a.fit.get_string("data-train"), "");
  EXPECT_EQ(a.run_settings, "");
  // Nor is a file that is not a run's arguments.
  std::ofstream(dir.file("config.json")) << "{\"not an argument\": 1}";
  EXPECT_EQ(predict_like().parse({"--model-prefix", dir.file("other"), "x.png"}, train_mnist_defaults()).run_settings,
            "");
}

}  // namespace
}  // namespace fitbench
