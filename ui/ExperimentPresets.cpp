#include "ExperimentPresets.h"

#include <QCoreApplication>

#include "fitbench/fit.h"

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ExperimentPresets", text); }

fitbench::FitArgs withSettings(fitbench::FitArgs args,
                               std::initializer_list<std::pair<const char*, const char*>> settings) {
  for (const auto& [name, value] : settings) args.set(name, value);
  return args;
}

QList<ExperimentPresets::Preset> buildPresets() {
  QList<ExperimentPresets::Preset> presets;
  presets.append(
      {tr("LeNet on Fashion-MNIST"),
       tr("train_mnist.py's defaults with LeNet: batch 64, lr 0.05, 10 epochs, on Fashion-MNIST "
          "(/usr/share/datasets/fashion-mnist)."),
       withSettings(fitbench::train_mnist_defaults(),
                    {{"network", "lenet"}, {"batch-size", "64"}, {"lr", "0.05"}, {"num-epochs", "10"}})});
  presets.append({tr("MXNet train_mnist defaults"),
                  tr("MXNet's train_mnist.py as it starts: an MLP, batch 64, lr 0.05 divided by 10 at "
                     "epoch 10, 20 epochs; fitbench-cli's defaults."),
                  fitbench::train_mnist_defaults()});
  presets.append({tr("ResNet-20 CIFAR shape"),
                  tr("train_cifar10.py's schedule with a 20-layer ResNet on 3x28x28 images, 10 classes: "
                     "batch 128, lr 0.05 divided by 10 at epochs 200 and 250, 300 epochs. CIFAR-10 data is "
                     "not supported yet, so it trains on synthetic data (--benchmark 1): use it to measure "
                     "speed, not accuracy."),
                  withSettings(fitbench::FitArgs(), {{"network", "resnet"},
                                                     {"num-layers", "20"},
                                                     {"image-shape", "3,28,28"},
                                                     {"batch-size", "128"},
                                                     {"lr", "0.05"},
                                                     {"lr-step-epochs", "200,250"},
                                                     {"num-epochs", "300"},
                                                     {"num-classes", "10"},
                                                     {"benchmark", "1"}})});
  return presets;
}

}  // namespace

const QList<ExperimentPresets::Preset>& ExperimentPresets::all() {
  static const QList<Preset> presets = buildPresets();
  return presets;
}

const ExperimentPresets::Preset* ExperimentPresets::matching(const fitbench::FitArgs& args) {
  for (const Preset& preset : all()) {
    if (preset.args == args) return &preset;
  }
  return nullptr;
}

const ExperimentPresets::Preset* ExperimentPresets::find(const QString& name) {
  for (const Preset& preset : all()) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}
