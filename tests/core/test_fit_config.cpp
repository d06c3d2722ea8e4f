// FitConfig's rules that read the machine or the layers below: --gpus as
// devices, and the lower layers' SettingErrors named as fit.py arguments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fitbench/executor_group.h"
#include "fitbench/fit.h"
#include "fitbench/fit_config.h"
#include "fitbench/kvstore.h"
#include "fitbench/models.h"
#include "file_test_util.h"

using namespace fitbench;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(DevicesOf, ReadsGpusAsFitPyDoes) {
  EXPECT_THAT(devices_of(""), ElementsAre(Device::cpu()));
  EXPECT_THAT(devices_of("0,0"), ElementsAre(Device::gpu(0), Device::gpu(0)));
  EXPECT_THAT(devices_of("1,3"), ElementsAre(Device::gpu(1), Device::gpu(3)));
}

TEST(DefaultClassNames, FashionMnistsForTheDefaultDataOnly) {
  const FitConfig fashion = FitConfig::resolve(train_mnist_defaults());
  ASSERT_EQ(fashion.default_class_names().size(), 10u);
  EXPECT_EQ(fashion.default_class_names()[0], "T-shirt/top");
  EXPECT_EQ(fashion.default_class_names()[9], "Ankle boot");
  FitArgs other = train_mnist_defaults();
  other.set("data-val", "elsewhere/val.rec");
  EXPECT_TRUE(FitConfig::resolve(other).default_class_names().empty());
}

// The message a person reads for `step`'s error once train/ has named the argument.
template <class Step>
std::string argument_message(Step step) {
  try {
    naming_arguments(step);
  } catch (const ArgError& e) {
    return e.what();
  }
  return "";
}

TEST(NamingArguments, ANetworkFieldBecomesItsArgument) {
  const std::string vgg = argument_message([] { build_network("vgg", {10, 12, {3, 224, 224}}); });
  EXPECT_THAT(vgg, StartsWith("argument --num-layers: "));
  EXPECT_THAT(vgg, HasSubstr("11, 13, 16 or 19"));
  EXPECT_THAT(argument_message([] { build_network("alexnot", {}); }),
              StartsWith("argument --network: 'alexnot' is not a known network"));
  EXPECT_THAT(argument_message([] { build_network("mobilenet", {10, 0, {3, 100, 100}}); }),
              StartsWith("argument --image-shape: mobilenet needs"));
  EXPECT_THAT(argument_message([] { build_network("mlp", {0, 0, {1, 28, 28}}); }),
              StartsWith("argument --num-classes: "));
}

TEST(NamingArguments, TheLayersOwnWordsMapToTheirArguments) {
  EXPECT_THAT(argument_message([] { KVStore::create("locale", {}); }),
              StartsWith("argument --kv-store: locale is not a kvstore type"));
  KVStoreOptions two_bit;
  two_bit.compression.two_bit = true;
  EXPECT_THAT(argument_message([&] { KVStore::create("local", two_bit); }), StartsWith("argument --gc-type: "));
  EXPECT_THAT(argument_message([] { split_batch(6, 4); }), StartsWith("argument --batch-size: a batch of 6"));
}

TEST(NamingArguments, OtherErrorsAndValuesPassThrough) {
  EXPECT_EQ(naming_arguments([] { return 7; }), 7);
  EXPECT_THROW(naming_arguments([] { fail("a file is missing"); }), Error);
  EXPECT_EQ(test::error_message([] { naming_arguments([] { fail("a file is missing"); }); }), "a file is missing");
  // A setting no argument sets keeps its message, without a made-up flag.
  EXPECT_EQ(argument_error(SettingError("no_such_setting", "bad")).what(), std::string("bad"));
}
