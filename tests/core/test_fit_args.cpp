// The fit argument schema against MXNet 1.9.1's fit.py / data.py and
// Python's argparse: defaults, command-line parsing and its error messages,
// Namespace repr, JSON and the equivalent command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitbench/fit_args.h"
#include "fitbench/fit.h"
#include "fitbench/fit_config.h"
#include "fitbench/optimizer.h"

namespace fitbench {
namespace {

struct Row {
  std::string name;
  ArgType type;
  std::optional<std::string> default_value;
  std::string sample;  // a valid value other than the default
};

// Every argument with MXNet's default (fit.py, data.py) or ours.
const std::vector<Row>& expected_rows() {
  using enum ArgType;
  static const std::vector<Row> rows = {
      {"network", String, std::nullopt, "lenet"},
      {"num-layers", Int, std::nullopt, "20"},
      {"use-batch-norm", Int, "0", "1"},
      {"alpha", Float, "1.0", "0.25"},
      {"multiplier", Float, "1.0", "0.35"},
      {"initializer", String, "default", "xavier"},
      {"dtype", String, "float32", "float16"},
      {"summary", Int, "0", "1"},
      {"data-train", String, std::nullopt, "data/train.rec"},
      {"data-train-idx", String, "", "data/train.idx"},
      {"data-val", String, std::nullopt, "data/val.rec"},
      {"data-val-idx", String, "", "data/val.idx"},
      {"rgb-mean", String, "123.68,116.779,103.939", "0,0,0"},
      {"rgb-std", String, "1,1,1", "58.4,57.1,57.4"},
      {"pad-size", Int, "0", "4"},
      {"fill-value", Int, "127", "0"},
      {"image-shape", String, std::nullopt, "3,28,28"},
      {"num-classes", Int, std::nullopt, "10"},
      {"num-examples", Int, std::nullopt, "60000"},
      {"data-nthreads", Int, "4", "8"},
      {"max-image-pixels", Int, "64000000", "1000000"},
      {"image-cache-mb", Int, "256", "0"},
      {"benchmark", Int, "0", "1"},
      {"random-crop", Int, "0", "1"},
      {"random-mirror", Int, "0", "1"},
      {"max-random-h", Int, "0", "36"},
      {"max-random-s", Int, "0", "50"},
      {"max-random-l", Int, "0", "50"},
      {"min-random-aspect-ratio", Float, std::nullopt, "0.75"},
      {"max-random-aspect-ratio", Float, "0", "1.33"},
      {"max-random-rotate-angle", Int, "0", "10"},
      {"max-random-shear-ratio", Float, "0", "0.1"},
      {"max-random-scale", Float, "1", "1.5"},
      {"min-random-scale", Float, "1", "0.5"},
      {"max-random-area", Float, "1", "0.9"},
      {"min-random-area", Float, "1", "0.08"},
      {"min-crop-size", Int, "-1", "16"},
      {"max-crop-size", Int, "-1", "24"},
      {"brightness", Float, "0", "0.4"},
      {"contrast", Float, "0", "0.4"},
      {"saturation", Float, "0", "0.4"},
      {"pca-noise", Float, "0", "0.1"},
      {"random-resized-crop", Int, "0", "1"},
      {"gpus", String, std::nullopt, "0,2,5"},
      {"kv-store", String, "device", "nccl"},
      {"gc-type", String, "none", "2bit"},
      {"gc-threshold", Float, "0.5", "0.25"},
      {"dist-timeout", Float, "60.0", "5.0"},
      {"batch-size", Int, "128", "64"},
      {"num-epochs", Int, "100", "20"},
      {"optimizer", String, "sgd", "adam"},
      {"optimizer-params", String, "", "beta1=0.8"},
      {"lr", Float, "0.1", "0.05"},
      {"mom", Float, "0.9", "0.95"},
      {"wd", Float, "0.0001", "1e-05"},
      {"clip-gradient", Float, "-1.0", "5.0"},
      {"lr-factor", Float, "0.1", "0.5"},
      {"lr-step-epochs", String, std::nullopt, "10,15"},
      {"lr-scheduler", String, "auto", "cosine"},
      {"lr-warmup-steps", Int, "0", "100"},
      {"lr-warmup-begin", Float, "0.0", "0.001"},
      {"lr-warmup-mode", String, "linear", "constant"},
      {"macrobatch-size", Int, "0", "256"},
      {"warmup-epochs", Int, "5", "2"},
      {"warmup-strategy", String, "linear", "power2"},
      {"model-prefix", String, std::nullopt, "models/my lenet"},
      {"save-period", Int, "1", "2"},
      {"load-epoch", Int, std::nullopt, "3"},
      {"load-prefix", String, std::nullopt, "runs/a/mlp"},
      {"disp-batches", Int, "20", "100"},
      {"monitor", Int, "0", "10"},
      {"on-nonfinite", String, "stop", "skip-batch"},
      {"top-k", Int, "0", "5"},
      {"loss", String, "", "ce,nll"},
      {"run-dir", String, std::nullopt, "runs/it's here"},
      {"tensorboard", Int, "1", "0"},
      {"seed", Int, "0", "42"},
      {"test-io", Int, "0", "1"},
      {"profile-worker-suffix", String, "", "worker.json"},
      {"profile-server-suffix", String, "", "server.json"},
  };
  return rows;
}

// Every argument set to its sample value.
FitArgs all_samples() {
  FitArgs args;
  for (const Row& row : expected_rows()) args.set(row.name, row.sample);
  return args;
}

// train_mnist.py's parser.set_defaults(...).
FitArgs mnist_defaults() {
  FitArgs args;
  args.set("network", "mlp");
  args.set("num-classes", "10");
  args.set("num-examples", "60000");
  args.set("image-shape", "1,28,28");
  args.set("batch-size", "64");
  args.set("disp-batches", "100");
  args.set("num-epochs", "20");
  args.set("lr", ".05");
  args.set("lr-step-epochs", "10");
  return args;
}

FitArgs parse(const std::string& line, FitArgs defaults = {}) {
  return parse_command_line(split_command_line(line), std::move(defaults));
}

// The ArgError message of parsing `line`, or "" when it parses.
std::string parse_error(const std::string& line) {
  try {
    parse(line);
  } catch (const ArgError& e) {
    return e.what();
  }
  return "";
}

TEST(FitArgsSchema, EveryArgumentWithItsTypeAndDefault) {
  const auto& schema = fit_arg_schema();
  ASSERT_EQ(schema.size(), expected_rows().size());
  const FitArgs defaults;
  for (const Row& row : expected_rows()) {
    SCOPED_TRACE(row.name);
    const ArgSpec* spec = find_arg(row.name);
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->type, row.type);
    EXPECT_EQ(spec->default_value, row.default_value);
    EXPECT_EQ(defaults.raw(row.name), row.default_value);
    EXPECT_FALSE(spec->help.empty());
  }
  EXPECT_EQ(find_arg("batch_size"), nullptr);  // only MXNet's spellings
  EXPECT_EQ(find_arg("--lr"), nullptr);
}

TEST(FitArgsSchema, DefaultsPassTheirOwnChecks) {
  for (const ArgSpec& spec : fit_arg_schema()) {
    SCOPED_TRACE(spec.name);
    FitArgs args;
    if (spec.default_value) {
      EXPECT_NO_THROW(args.set(spec.name, *spec.default_value));
    }
  }
}

// --optimizer-params is checked against --optimizer before a run starts (a
// start problem): a keyword the optimizer lacks or a bad value names the
// argument, the optimizer and the keywords it takes.
TEST(FitArgsSchema, OptimizerParamsFollowTheOptimizer) {
  const auto resolve_error = [](const std::string& line) -> std::string {
    for (const StartProblem& problem : start_problems(FitConfig::resolve(parse("--network mlp " + line))))
      if (problem.argument == "optimizer-params") return problem.message;
    return "";
  };
  const FitConfig config = FitConfig::resolve(
      parse("--network mlp --optimizer RMSProp --optimizer-params 'centered=True, gamma1=0.95'"));
  EXPECT_EQ(config.optimizer_settings, (std::map<std::string, double>{{"centered", 1.0}, {"gamma1", 0.95}}));
  EXPECT_EQ(resolve_error("--optimizer lamb --optimizer-params upper_bound=None"), "");

  const std::string unknown = resolve_error("--optimizer rmsprop --optimizer-params beta1=0.8");
  EXPECT_EQ(unknown,
            "argument --optimizer-params: 'beta1' is not a setting of rmsprop: rmsprop takes gamma1, gamma2, "
            "epsilon, centered, clip_weights");
  const std::string bad = resolve_error("--optimizer adam --optimizer-params beta1=high");
  EXPECT_EQ(bad, "argument --optimizer-params: adam's beta1 must be a finite number, got 'high'");
  EXPECT_NE(resolve_error("--optimizer adam --optimizer-params centered=True")
                .find("adam takes beta1, beta2, epsilon"),
            std::string::npos);
  EXPECT_NE(resolve_error("--optimizer rmsprop --optimizer-params centered=maybe").find("True or False"),
            std::string::npos);
  EXPECT_NE(
      resolve_error("--optimizer sgd --optimizer-params beta1=0.8").find("sgd takes no settings of its own"),
      std::string::npos);
  EXPECT_NE(resolve_error("--optimizer adam --optimizer-params beta1").find("not KEY=VALUE"),
            std::string::npos);

  // The help lists each optimizer's settings with their defaults; the form offers every optimizer.
  const std::string& help = find_arg("optimizer-params")->help;
  EXPECT_NE(help.find("rmsprop: gamma1=0.9, gamma2=0.9, epsilon=1e-08, centered=False, clip_weights=None;"),
            std::string::npos)
      << help;
  EXPECT_EQ(find_arg("optimizer")->suggestions, Optimizer::supported());
}

TEST(FitArgsSchema, GroupsMetavarsAndChoices) {
  const std::vector<std::string> groups = {
      "Network", "Data", "Augmentation", "Devices & KVStore", "Optimizer & Schedule", "Checkpoints & Monitor",
      "Other"};
  const std::set<std::string> mxnet_groups = {"Training", "Data", "Image augmentations", "", "fitbench"};
  size_t last_group = 0;
  for (const ArgSpec& spec : fit_arg_schema()) {
    SCOPED_TRACE(spec.name);
    const auto it = std::ranges::find(groups, spec.group);
    ASSERT_NE(it, groups.end());
    // --help order: the rows of a group are together, groups in this order.
    const auto group_index = static_cast<size_t>(it - groups.begin());
    EXPECT_GE(group_index, last_group);
    last_group = group_index;
    EXPECT_TRUE(mxnet_groups.contains(spec.mxnet_group));
    std::string metavar = spec.name;
    for (char& c : metavar) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    EXPECT_EQ(spec.metavar, metavar);
    if (!spec.choices.empty() && spec.default_value) {
      EXPECT_NE(std::ranges::find(spec.choices, *spec.default_value), spec.choices.end());
    }
  }
  EXPECT_EQ(find_arg("monitor")->mxnet_group, "");
  EXPECT_EQ(find_arg("brightness")->mxnet_group, "Image augmentations");
  EXPECT_EQ(find_arg("seed")->mxnet_group, "fitbench");
  EXPECT_EQ(find_arg("kv-store")->choices, (std::vector<std::string>{"local", "device", "nccl", "dist_sync",
                                                                     "dist_device_sync", "dist_async"}));
  EXPECT_EQ(find_arg("initializer")->choices,
            (std::vector<std::string>{"default", "xavier", "msra", "orthogonal", "normal", "uniform", "one",
                                      "zero"}));
  EXPECT_EQ(find_arg("dtype")->choices, (std::vector<std::string>{"float32", "float16"}));
  EXPECT_EQ(find_arg("lr-scheduler")->choices,
            (std::vector<std::string>{"auto", "multifactor", "factor", "poly", "cosine"}));
  EXPECT_EQ(find_arg("lr-warmup-mode")->choices, (std::vector<std::string>{"linear", "constant"}));
}

TEST(FitArgsParse, TrainMnistCommandLine) {
  const FitArgs args = parse(
      "--network lenet --gpus 0,1 --kv-store local --lr 0.1 --lr-factor 0.5 --model-prefix /tmp/mnist/lenet "
      "--save-period 2 --top-k 5 --monitor 50",
      mnist_defaults());
  EXPECT_EQ(args.get_string("network"), "lenet");
  EXPECT_EQ(args.get_int_list("gpus"), (std::vector<int>{0, 1}));
  EXPECT_EQ(args.get_string("kv-store"), "local");
  EXPECT_DOUBLE_EQ(args.get_float("lr"), 0.1);
  EXPECT_DOUBLE_EQ(args.get_float("lr-factor"), 0.5);
  EXPECT_EQ(args.get_string("model-prefix"), "/tmp/mnist/lenet");
  EXPECT_EQ(args.get_int("save-period"), 2);
  EXPECT_EQ(args.get_int("top-k"), 5);
  EXPECT_EQ(args.get_int("monitor"), 50);
  // Script defaults that the line leaves alone.
  EXPECT_EQ(args.get_int("batch-size"), 64);
  EXPECT_EQ(args.get_int("num-epochs"), 20);
  EXPECT_EQ(args.get_int("num-examples"), 60000);
  EXPECT_EQ(args.get_int_list("image-shape"), (std::vector<int>{1, 28, 28}));
  EXPECT_EQ(args.get_int_list("lr-step-epochs"), (std::vector<int>{10}));
  EXPECT_EQ(args.raw("lr-step-epochs"), "10");
  // Schema defaults.
  EXPECT_DOUBLE_EQ(args.get_float("wd"), 0.0001);
  EXPECT_FALSE(args.is_set("load-epoch"));
  EXPECT_EQ(args.get_string("load-epoch"), "");
}

TEST(FitArgsParse, EqualsFormAndRepeats) {
  const FitArgs args = parse("--lr=0.05 --batch-size=32 --gpus= --rgb-mean=1,2,3 --lr 0.2 --loss=ce");
  EXPECT_EQ(args.raw("lr"), "0.2");  // the last one wins, as in argparse
  EXPECT_EQ(args.get_int("batch-size"), 32);
  EXPECT_TRUE(args.is_set("gpus"));
  EXPECT_EQ(args.get_int_list("gpus"), std::vector<int>{});  // "" means the CPU
  EXPECT_EQ(args.get_float_list("rgb-mean"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(args.get_string("loss"), "ce");
}

TEST(FitArgsParse, UnambiguousPrefixes) {
  const FitArgs args = parse("--batch 32 --num-ep 5 --lr 0.2 --lr-f 0.5 --kv=local --netw resnet");
  EXPECT_EQ(args.get_int("batch-size"), 32);
  EXPECT_EQ(args.get_int("num-epochs"), 5);
  EXPECT_DOUBLE_EQ(args.get_float("lr"), 0.2);  // exact, though a prefix of --lr-factor
  EXPECT_DOUBLE_EQ(args.get_float("lr-factor"), 0.5);
  EXPECT_EQ(args.get_string("kv-store"), "local");
  EXPECT_EQ(args.get_string("network"), "resnet");
  EXPECT_EQ(parse_error("--lr-w 5"),
            "ambiguous option: --lr-w could match --lr-warmup-steps, --lr-warmup-begin, --lr-warmup-mode");
  EXPECT_EQ(parse_error("--num 5"),
            "ambiguous option: --num could match --num-layers, --num-classes, "
            "--num-examples, --num-epochs");
}

TEST(FitArgsParse, HelpIsRequestedNotAnError) {
  EXPECT_THROW(parse("-h"), HelpRequested);
  EXPECT_THROW(parse("--lr 0.1 --help"), HelpRequested);
  EXPECT_THROW(parse("--he"), HelpRequested);
}

TEST(FitArgsParse, UnrecognizedArguments) {
  EXPECT_EQ(parse_error("--foo"), "unrecognized arguments: --foo");
  EXPECT_EQ(parse_error("--foo bar --lr 0.1 extra"), "unrecognized arguments: --foo bar extra");
  EXPECT_EQ(parse_error("--batch_size 64"), "unrecognized arguments: --batch_size 64");
  EXPECT_EQ(parse_error("-x"), "unrecognized arguments: -x");
  EXPECT_EQ(parse_error("--lr 0.1 -- --wd 1"), "unrecognized arguments: -- --wd 1");
}

TEST(FitArgsParse, BadValuesNameTheArgument) {
  EXPECT_EQ(parse_error("--batch-size abc"), "argument --batch-size: invalid int value: 'abc'");
  EXPECT_EQ(parse_error("--batch-size 1.5"), "argument --batch-size: invalid int value: '1.5'");
  EXPECT_EQ(parse_error("--lr abc"), "argument --lr: invalid float value: 'abc'");
  EXPECT_EQ(parse_error("--lr \"it's\""), "argument --lr: invalid float value: \"it's\"");
  EXPECT_EQ(parse_error("--kv-store foo"),
            "argument --kv-store: invalid choice: 'foo' (choose from 'local', 'device', 'nccl', 'dist_sync', "
            "'dist_device_sync', 'dist_async')");
  EXPECT_EQ(parse_error("--dtype float64"),
            "argument --dtype: invalid choice: 'float64' (choose from 'float32', 'float16')");
  EXPECT_EQ(parse_error("--lr"), "argument --lr: expected one argument");
  EXPECT_EQ(parse_error("--lr --wd 0.1"), "argument --lr: expected one argument");
  EXPECT_EQ(parse_error("--num-examples 99999999999"),
            "argument --num-examples: must be between -2147483648 and 2147483647, got 99999999999");
}

TEST(FitArgsParse, ValidationReasons) {
  EXPECT_EQ(parse_error("--batch-size 0"), "argument --batch-size: must be >= 1, got 0");
  EXPECT_EQ(parse_error("--num-epochs 0"), "argument --num-epochs: must be >= 1, got 0");
  EXPECT_EQ(parse_error("--disp-batches 0"), "argument --disp-batches: must be >= 1, got 0");
  EXPECT_EQ(parse_error("--save-period 0"), "argument --save-period: must be >= 1, got 0");
  EXPECT_EQ(parse_error("--monitor -1"), "argument --monitor: must be >= 0, got -1");
  EXPECT_EQ(parse_error("--top-k 1"), "argument --top-k: must be 0 (no report) or >= 2, got 1");
  EXPECT_EQ(parse_error("--top-k -2"), "argument --top-k: must be 0 (no report) or >= 2, got -2");
  EXPECT_EQ(parse_error("--lr -0.1"), "argument --lr: must be >= 0, got -0.1");
  EXPECT_EQ(parse_error("--lr inf"), "argument --lr: must be a finite number, got inf");
  EXPECT_EQ(parse_error("--num-classes 0"), "argument --num-classes: must be >= 1, got 0");
  EXPECT_EQ(parse_error("--load-epoch -1"), "argument --load-epoch: must be >= 0, got -1");
  EXPECT_EQ(parse_error("--fill-value 256"), "argument --fill-value: must be between 0 and 255, got 256");
  EXPECT_EQ(parse_error("--random-crop 2"), "argument --random-crop: must be 0 or 1, got 2");
  EXPECT_EQ(parse_error("--max-random-area 1.5"),
            "argument --max-random-area: must be between 0 and 1, got 1.5");
  for (const char* bad : {"60,30", "0,30", "30,,60", "abc", "30;60", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_error(std::string("--lr-step-epochs '") + bad + "'"),
              std::string(
                  "argument --lr-step-epochs: must be increasing epochs such as 30,60 or pow<power> such as "
                  "pow2, got '") +
                  bad + "'");
  }
  EXPECT_EQ(
      parse_error("--lr-step-epochs powx"),
      "argument --lr-step-epochs: must be increasing epochs such as 30,60 or pow<power> such as pow2, got "
      "'powx'");
  EXPECT_EQ(parse_error("--lr-step-epochs pow0"),
            "argument --lr-step-epochs: the power must be a positive number, got 'pow0'");
  for (const char* good : {"30", "30,60,90", " 30, 60", "pow2", "pow-2", "pow 0.5", "pow--3"}) {
    SCOPED_TRACE(good);
    EXPECT_EQ(parse_error(std::string("--lr-step-epochs '") + good + "'"), "");
  }
  EXPECT_EQ(
      parse_error("--gpus 0,a"),
      "argument --gpus: must be a comma list of GPU ids such as 0 or 0,2,5 (empty for the CPU), got '0,a'");
  EXPECT_EQ(
      parse_error("--gpus=-1"),
      "argument --gpus: must be a comma list of GPU ids such as 0 or 0,2,5 (empty for the CPU), got '-1'");
  for (const char* bad : {"3,28", "3,28,28,1", "0,28,28", "(3,224,224)", "3,x,28"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_error(std::string("--image-shape '") + bad + "'"),
              std::string("argument --image-shape: must be channels,height,width such as 3,224,224, got '") +
                  bad + "'");
  }
  EXPECT_EQ(parse_error("--rgb-mean 1,x,3"),
            "argument --rgb-mean: must be a comma list of numbers, one per channel, got '1,x,3'");
  EXPECT_EQ(parse_error("--rgb-std 1,0,1"),
            "argument --rgb-std: must be a comma list of positive numbers, one per channel, got '1,0,1'");
  EXPECT_EQ(parse_error("--loss ce,mse"),
            "argument --loss: must be ce, nll or nll_loss (comma separated for several), got 'ce,mse'");
}

TEST(FitArgsParse, NegativeNumbersAreValues) {
  const FitArgs args = parse("--min-crop-size -1 --max-crop-size=-1 --clip-gradient -0.5 --mom -.0 --seed 7");
  EXPECT_EQ(args.get_int("min-crop-size"), -1);
  EXPECT_DOUBLE_EQ(args.get_float("clip-gradient"), -0.5);
  EXPECT_EQ(args.raw("mom"), "-0.0");
  EXPECT_EQ(parse("--clip-gradient -1e-3").raw("clip-gradient"), "-0.001");
  EXPECT_EQ(parse("--data-train -").get_string("data-train"), "-");  // "-" alone is a value (stdin)
}

TEST(FitArgsValues, StoredTextIsNormalized) {
  FitArgs args;
  args.set("lr", "  0.10 ");
  EXPECT_EQ(args.raw("lr"), "0.1");
  args.set("wd", "1e-5");
  EXPECT_EQ(args.raw("wd"), "1e-05");
  args.set("lr-factor", "1");
  EXPECT_EQ(args.raw("lr-factor"), "1.0");
  args.set("gc-threshold", "1_000.5");
  EXPECT_EQ(args.raw("gc-threshold"), "1000.5");
  args.set("batch-size", "+0_64");
  EXPECT_EQ(args.raw("batch-size"), "64");
  args.set("num-examples", " 1281167\n");
  EXPECT_EQ(args.get_int("num-examples"), 1281167);
  args.set("lr-step-epochs", " 30, 60");  // strings stay as typed
  EXPECT_EQ(args.raw("lr-step-epochs"), " 30, 60");
  EXPECT_EQ(args.get_int_list("lr-step-epochs"), (std::vector<int>{30, 60}));
  args.unset("lr-step-epochs");
  EXPECT_FALSE(args.is_set("lr-step-epochs"));
  EXPECT_THROW(args.set("no-such-arg", "1"), ArgError);
}

TEST(FitArgsValues, Getters) {
  FitArgs args;
  EXPECT_EQ(args.get_int("batch-size"), 128);
  EXPECT_DOUBLE_EQ(args.get_float("batch-size"), 128.0);  // an int reads as a float too
  EXPECT_DOUBLE_EQ(args.get_float("max-random-scale"), 1.0);
  EXPECT_EQ(args.get_string("kv-store"), "device");
  EXPECT_EQ(args.get_string("network"), "");
  try {
    args.get_int("num-classes");
    FAIL() << "expected ArgError";
  } catch (const ArgError& e) {
    EXPECT_STREQ(e.what(), "argument --num-classes: a value is required here, but none was given");
  }
  EXPECT_THROW(args.get_int("lr"), InternalError);
  EXPECT_THROW(args.get_float("network"), InternalError);
  EXPECT_THROW(args.get_string("no-such-arg"), InternalError);
  args.set("lr-step-epochs", "pow2");
  EXPECT_THROW(args.get_int_list("lr-step-epochs"), ArgError);
}

TEST(FitArgsValues, LrStepEpochsPower) {
  EXPECT_EQ(lr_step_epochs_power("30,60"), std::nullopt);
  EXPECT_EQ(lr_step_epochs_power("pow2"), 2.0);
  EXPECT_EQ(lr_step_epochs_power("pow-2"), 2.0);  // fit.py strips the dash: not -2
  EXPECT_EQ(lr_step_epochs_power("pow 0.5"), 0.5);
  EXPECT_THROW(lr_step_epochs_power("pow"), ArgError);
  EXPECT_THROW(lr_step_epochs_power("pow2,3"), ArgError);
}

TEST(FitArgsValues, PythonNumberText) {
  EXPECT_EQ(parse_python_int(" -12 "), -12);
  EXPECT_EQ(parse_python_int("1_000"), 1000);
  EXPECT_EQ(parse_python_int("007"), 7);
  for (const char* bad : {"", " ", "1.0", "1e3", "0x10", "_1", "1_", "1__0", "--1", "+"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_python_int(bad), std::nullopt);
  }
  EXPECT_EQ(parse_python_float(".5"), 0.5);
  EXPECT_EQ(parse_python_float("5."), 5.0);
  EXPECT_EQ(parse_python_float(" +1.5E2 "), 150.0);
  EXPECT_EQ(parse_python_float("-Infinity"), -HUGE_VAL);
  EXPECT_TRUE(std::isnan(*parse_python_float("NaN")));
  EXPECT_EQ(parse_python_float("1e999"), HUGE_VAL);  // Python overflows to inf
  EXPECT_EQ(parse_python_float("-1e-999"), -0.0);    // and underflows to 0
  for (const char* bad : {"", ".", "e5", "1e", "0x1p3", "nan(1)", "1,5", "1_.5", "abc", "1.5.5"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_python_float(bad), std::nullopt);
  }
  // repr() of each, from Python 3.
  const std::vector<std::pair<double, std::string>> reprs = {
      {0.1, "0.1"},
      {0.0001, "0.0001"},
      {1e-5, "1e-05"},
      {100.0, "100.0"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {123.456, "123.456"},
      {-0.0, "-0.0"},
      {1.5e-7, "1.5e-07"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {2.0 / 3, "0.6666666666666666"},
      {0.3, "0.3"},
      {-2.5e100, "-2.5e+100"},
      {HUGE_VAL, "inf"},
      {-HUGE_VAL, "-inf"},
      {std::nan(""), "nan"},
  };
  for (const auto& [value, text] : reprs) EXPECT_EQ(python_float_repr(value), text);
}

TEST(FitArgsRepr, DefaultsAsPythonNamespace) {
  // Python 3.8's repr(argparse.Namespace) of the same parser's defaults
  // (attributes sorted; data.py's integer defaults of float arguments stay ints).
  EXPECT_EQ(FitArgs().namespace_repr(),
            "Namespace(alpha=1.0, batch_size=128, benchmark=0, brightness=0, clip_gradient=-1.0, contrast=0, "
            "data_nthreads=4, data_train=None, data_train_idx='', data_val=None, data_val_idx='', "
            "disp_batches=20, dist_timeout=60.0, dtype='float32', fill_value=127, gc_threshold=0.5, "
            "gc_type='none', gpus=None, image_cache_mb=256, "
            "image_shape=None, initializer='default', kv_store='device', load_epoch=None, load_prefix=None, "
            "loss='', lr=0.1, "
            "lr_factor=0.1, lr_scheduler='auto', lr_step_epochs=None, lr_warmup_begin=0.0, "
            "lr_warmup_mode='linear', lr_warmup_steps=0, macrobatch_size=0, max_crop_size=-1, "
            "max_image_pixels=64000000, max_random_area=1, max_random_aspect_ratio=0, max_random_h=0, "
            "max_random_l=0, "
            "max_random_rotate_angle=0, max_random_s=0, max_random_scale=1, max_random_shear_ratio=0, "
            "min_crop_size=-1, min_random_area=1, min_random_aspect_ratio=None, min_random_scale=1, "
            "model_prefix=None, mom=0.9, monitor=0, multiplier=1.0, network=None, num_classes=None, "
            "num_epochs=100, "
            "num_examples=None, num_layers=None, on_nonfinite='stop', optimizer='sgd', optimizer_params='', "
            "pad_size=0, "
            "pca_noise=0, "
            "profile_server_suffix='', profile_worker_suffix='', random_crop=0, random_mirror=0, "
            "random_resized_crop=0, rgb_mean='123.68,116.779,103.939', rgb_std='1,1,1', run_dir=None, "
            "saturation=0, save_period=1, seed=0, summary=0, tensorboard=1, test_io=0, top_k=0, use_batch_norm=0, "
            "warmup_epochs=5, "
            "warmup_strategy='linear', wd=0.0001)");
}

TEST(FitArgsRepr, ValuesAsPythonShowsThem) {
  const FitArgs args =
      parse("--lr 1 --max-random-scale 1 --wd 1e-6 --model-prefix \"it's\" --data-train 'a\\b'");
  const std::string repr = args.namespace_repr();
  EXPECT_NE(repr.find(", lr=1.0,"), std::string::npos);
  EXPECT_NE(repr.find(", max_random_scale=1.0,"), std::string::npos);  // float() of the text
  EXPECT_NE(repr.find(", wd=1e-06)"), std::string::npos);
  EXPECT_NE(repr.find(", model_prefix=\"it's\","), std::string::npos);
  EXPECT_NE(repr.find(", data_train='a\\\\b',"), std::string::npos);
}

TEST(FitArgsJson, RoundTripOfEveryArgument) {
  const FitArgs samples = all_samples();
  const nlohmann::json j = samples.to_json();
  for (const Row& row : expected_rows()) {
    SCOPED_TRACE(row.name);
    ASSERT_TRUE(j.contains(row.name));
    switch (row.type) {
      case ArgType::Int:
        EXPECT_TRUE(j[row.name].is_number_integer());
        break;
      case ArgType::Float:
        EXPECT_TRUE(j[row.name].is_number_float());
        break;
      case ArgType::String:
        EXPECT_TRUE(j[row.name].is_string());
        break;
    }
    // One argument changed from the defaults survives alone too.
    FitArgs one;
    one.set(row.name, row.sample);
    EXPECT_EQ(FitArgs::from_json(one.to_json()), one);
  }
  EXPECT_EQ(FitArgs::from_json(j), samples);
  EXPECT_EQ(FitArgs::from_json(nlohmann::json::parse(j.dump())), samples);
  EXPECT_EQ(FitArgs::from_json(FitArgs().to_json()), FitArgs());
}

TEST(FitArgsJson, NumbersNullsAndStrings) {
  const nlohmann::json defaults = FitArgs().to_json();
  EXPECT_TRUE(defaults["network"].is_null());
  EXPECT_TRUE(defaults["max-random-scale"].is_number_integer());  // data.py's default=1
  EXPECT_EQ(defaults["lr"], 0.1);
  EXPECT_EQ(defaults["data-train-idx"], "");

  const FitArgs args = FitArgs::from_json({{"lr", "0.05"},
                                           {"batch-size", "32"},
                                           {"wd", 0},
                                           {"num-classes", 10},
                                           {"kv-store", nullptr},
                                           {"gpus", 0}});
  EXPECT_EQ(args.raw("lr"), "0.05");
  EXPECT_EQ(args.get_int("batch-size"), 32);
  EXPECT_EQ(args.raw("wd"), "0");  // an integer stays one, as Python keeps it
  EXPECT_EQ(args.get_int("num-classes"), 10);
  EXPECT_FALSE(args.is_set("kv-store"));
  EXPECT_EQ(args.get_string("gpus"), "0");
  EXPECT_EQ(args.get_int("num-epochs"), 100);  // missing keys keep their defaults

  FitArgs odd;
  odd.set("clip-gradient", "-1e300");
  odd.set("lr-warmup-begin", "1e-300");
  EXPECT_EQ(FitArgs::from_json(odd.to_json()), odd);
}

TEST(FitArgsJson, ErrorsNameTheKey) {
  const auto error_of = [](const nlohmann::json& j) -> std::string {
    try {
      FitArgs::from_json(j);
    } catch (const ArgError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of({{"learning-rate", 0.1}}), "unknown argument: --learning-rate");
  EXPECT_EQ(error_of({{"lr", "abc"}}), "argument --lr: invalid float value: 'abc'");
  EXPECT_EQ(error_of({{"batch-size", 0}}), "argument --batch-size: must be >= 1, got 0");
  EXPECT_EQ(error_of({{"batch-size", 64.5}}), "argument --batch-size: invalid int value: '64.5'");
  EXPECT_EQ(error_of({{"lr", -1}}), "argument --lr: must be >= 0, got -1.0");
  EXPECT_EQ(error_of({{"random-crop", true}}),
            "argument --random-crop: expected a number, a string or null, got JSON boolean");
  EXPECT_EQ(error_of(nlohmann::json::array()), "fit arguments must be a JSON object, got array");
}

TEST(FitArgsCommandLine, OnlyNonDefaultsInSchemaOrder) {
  EXPECT_EQ(FitArgs().command_line(), "fitbench-cli");
  FitArgs args;
  args.set("lr", "0.05");
  args.set("network", "lenet");
  args.set("clip-gradient", "-0.5");
  args.set("model-prefix", "my models/x");
  args.set("gpus", "");
  args.set("kv-store", "device");  // equals the default
  EXPECT_EQ(
      args.command_line(),
      "fitbench-cli --network lenet --gpus '' --lr 0.05 --clip-gradient=-0.5 --model-prefix 'my models/x'");
  EXPECT_EQ(args.command_line("./train"),
            "./train --network lenet --gpus '' --lr 0.05 --clip-gradient=-0.5 "
            "--model-prefix 'my models/x'");
}

TEST(FitArgsCommandLine, ParsesBackToTheSameArguments) {
  const auto round_trip = [](const FitArgs& args) {
    std::vector<std::string> words = split_command_line(args.command_line());
    EXPECT_EQ(words.front(), "fitbench-cli");
    words.erase(words.begin());
    return parse_command_line(words);
  };
  const FitArgs samples = all_samples();
  EXPECT_EQ(round_trip(samples), samples);
  EXPECT_EQ(round_trip(FitArgs()), FitArgs());
  FitArgs tricky;
  tricky.set("model-prefix", "-dash it's \"quoted\" $HOME\\x");
  tricky.set("loss", " ce , nll ");
  tricky.set("min-crop-size", "-1");
  tricky.set("lr", "1e-07");
  EXPECT_EQ(round_trip(tricky), tricky);
}

TEST(FitArgsCommandLine, SplitsLikeAShell) {
  EXPECT_EQ(split_command_line("  a  'b c' \"d \\\"e\\\" \\$f \\x\" g\\ h '' i\\\nj"),
            (std::vector<std::string>{"a", "b c", "d \"e\" $f \\x", "g h", "", "ij"}));
  EXPECT_EQ(split_command_line("--x='it'\"'\"'s'"), (std::vector<std::string>{"--x=it's"}));
  EXPECT_TRUE(split_command_line(" \t\n").empty());
  // A continuation after a space, as commands are usually wrapped, adds no word.
  EXPECT_EQ(split_command_line("fit.py --lr 0.1 \\\n  --network lenet"),
            (std::vector<std::string>{"fit.py", "--lr", "0.1", "--network", "lenet"}));
  EXPECT_THROW(split_command_line("a 'b"), ArgError);
  EXPECT_THROW(split_command_line("a \"b"), ArgError);
  EXPECT_THROW(split_command_line("a\\"), ArgError);
}

TEST(FitArgsHelp, ListsEveryArgumentByGroup) {
  const std::string help = format_help("fitbench-cli");
  EXPECT_EQ(help.rfind("usage: fitbench-cli [-h] [--network NETWORK]", 0), 0u);
  EXPECT_NE(help.find("\noptions:\n  -h, --help            show this help message and exit\n"),
            std::string::npos);
  for (const char* group : {"Network", "Data", "Augmentation", "Devices & KVStore", "Optimizer & Schedule",
                            "Checkpoints & Monitor", "Other"}) {
    EXPECT_NE(help.find("\n\n" + std::string(group) + ":\n"), std::string::npos) << group;
  }
  for (const ArgSpec& spec : fit_arg_schema()) {
    EXPECT_NE(help.find("\n  --" + spec.name + " " + spec.metavar), std::string::npos) << spec.name;
    EXPECT_NE(help.find("[--" + spec.name + " " + spec.metavar + "]"), std::string::npos) << spec.name;
  }
  EXPECT_NE(help.find("\n  --lr LR               initial learning rate (default: 0.1)\n"), std::string::npos);
  // A script's defaults are the ones shown, as argparse shows set_defaults().
  const std::string mnist = format_help("fitbench-cli", train_mnist_defaults());
  EXPECT_NE(mnist.find("\n  --lr LR               initial learning rate (default: 0.05)\n"), std::string::npos);
  EXPECT_NE(mnist.find("(default:\n                        mlp)"), std::string::npos);
  EXPECT_NE(mnist.find("(default: 1,28,28)"), std::string::npos);
  EXPECT_NE(help.find("(choices: local, device,"), std::string::npos);
  size_t start = 0;
  while (start < help.size()) {
    const size_t end = help.find('\n', start);
    EXPECT_LE(end - start, 80u) << help.substr(start, end - start);
    start = end + 1;
  }
}

}  // namespace
}  // namespace fitbench
