// start_problems(): what the arguments alone show is wrong with a run, each
// problem with its argument, all at once; check_start() throws the first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "file_test_util.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"
#include "fitbench/fit_config.h"

using namespace fitbench;
using fitbench::test::TempDir;
using ::testing::HasSubstr;

namespace {

std::vector<std::string> arguments_of(const std::vector<StartProblem>& problems) {
  std::vector<std::string> names;
  for (const auto& p : problems) names.push_back(p.argument);
  return names;
}

std::vector<StartProblem> problems_of(const FitArgs& args) { return start_problems(FitConfig::resolve(args)); }

// An mlp on data that exists, saving under `dir`.
FitArgs good_args(const TempDir& dir) {
  std::filesystem::create_directories(dir.path() / "data");
  FitArgs a = train_mnist_defaults();
  a.set("data-train", dir.file("data"));
  a.set("data-val", dir.file("data"));
  a.set("model-prefix", dir.file("m/mlp"));
  return a;
}

TEST(StartProblems, NoneForARunThatCanStart) {
  TempDir dir;
  EXPECT_TRUE(problems_of(good_args(dir)).empty());
  EXPECT_NO_THROW(check_start(FitConfig::resolve(good_args(dir))));
}

TEST(StartProblems, EveryOneAtOnceWithItsArgument) {
  TempDir dir;
  FitArgs a = good_args(dir);
  a.unset("network");
  a.set("dtype", "float16");
  a.set("gpus", "99");
  a.set("data-val", dir.file("no-val"));
  a.set("load-epoch", "2");
  const auto problems = problems_of(a);
  EXPECT_EQ(arguments_of(problems),
            (std::vector<std::string>{"network", "dtype", "gpus", "data-val", "load-epoch"}));
  EXPECT_THAT(problems[0].message, HasSubstr("argument --network: it is required (choose from"));
  EXPECT_THAT(problems[1].message, HasSubstr("argument --dtype: float16 is not implemented yet"));
  // No machine has a gpu(99); a build without CUDA refuses any --gpus.
  EXPECT_THAT(problems[2].message, HasSubstr("--gpus 99: "));
  EXPECT_THAT(problems[2].message, HasSubstr("leave --gpus out to run on the CPU"));
  EXPECT_EQ(problems[3].message, "argument --data-val: " + dir.file("no-val") +
                                     " does not exist; give a file or folder that does, or leave it empty");
  EXPECT_THAT(problems[4].message, HasSubstr("argument --load-epoch: " + symbol_path(dir.file("m/mlp"))));

  const std::string thrown = test::error_message([&] { check_start(FitConfig::resolve(a)); });
  EXPECT_EQ(thrown, problems[0].message);
  EXPECT_THROW(check_start(FitConfig::resolve(a)), ArgError);
}

// A choice fit.py offers that fitbench lacks: named before anything starts.
TEST(StartProblems, OrthogonalInitializerNamesTheArgument) {
  TempDir dir;
  FitArgs a = good_args(dir);
  a.set("initializer", "orthogonal");
  const auto problems = problems_of(a);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].argument, "initializer");
  EXPECT_THAT(problems[0].message, HasSubstr("argument --initializer: orthogonal is not implemented yet; choose "));
}

TEST(StartProblems, NcclWithAGpuTwiceNamesTheKvStore) {
  TempDir dir;
  FitArgs a = good_args(dir);
  a.set("kv-store", "nccl");
  a.set("gpus", "0,0");
  const auto problems = problems_of(a);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].argument, "kv-store");
  EXPECT_THAT(problems[0].message, HasSubstr("argument --kv-store: nccl takes each GPU once"));
}

TEST(StartProblems, LoadEpochNamesTheMissingFileAndTheSavedEpochs) {
  TempDir dir;
  FitArgs a = good_args(dir);
  a.set("load-epoch", "3");
  std::filesystem::create_directories(dir.path() / "m");
  for (const std::string& f : {symbol_path(dir.file("m/mlp")), params_path(dir.file("m/mlp"), 1),
                               params_path(dir.file("m/mlp"), 2)})
    std::ofstream(f) << "x";
  auto problems = problems_of(a);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "argument --load-epoch: " + params_path(dir.file("m/mlp"), 3) +
                                     " does not exist (epochs saved under " + dir.file("m/mlp") +
                                     ": 1, 2); give one of them, or another --load-prefix");
  a.set("load-epoch", "2");
  EXPECT_TRUE(problems_of(a).empty());

  a.unset("model-prefix");
  problems = problems_of(a);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].message, HasSubstr("needs --model-prefix (or --load-prefix)"));
}

TEST(StartProblems, SummaryReadsNoDataAndLoadsNoWeights) {
  TempDir dir;
  FitArgs a = good_args(dir);
  a.set("data-train", dir.file("nowhere"));
  a.set("load-epoch", "5");
  EXPECT_EQ(arguments_of(problems_of(a)), (std::vector<std::string>{"data-train", "load-epoch"}));
  a.set("summary", "1");
  EXPECT_TRUE(problems_of(a).empty());
}

}  // namespace
