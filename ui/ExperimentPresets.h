// ExperimentPresets: the ready-made experiments the experiment panel offers.
#pragma once

#include <QList>
#include <QString>

#include "fitbench/fit_args.h"

class ExperimentPresets {
 public:
  struct Preset {
    QString name;         // shown in the preset chooser
    QString description;  // its tooltip and the line under it
    fitbench::FitArgs args;
  };

  // In menu order: "LeNet on Fashion-MNIST", "MXNet train_mnist defaults",
  // "ResNet-20 CIFAR shape".
  static const QList<Preset>& all();
  // The preset whose arguments equal `args`, or nullptr.
  static const Preset* matching(const fitbench::FitArgs& args);
  // The preset of that name, or nullptr.
  static const Preset* find(const QString& name);
};
