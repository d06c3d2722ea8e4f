// GpuListModel: the devices a run can train on, as checkable rows: the CPU
// first, then every GPU of a device list (fitbench::query_gpus(), or a test's
// records) with its name, total and free memory, utilization and temperature.
//
// The checks follow --gpus: checking GPUs selects them ("0,1"), and the CPU
// row is checked exactly when no GPU is ("" -- fit.py's CPU). When the build
// cannot train on GPUs their rows are shown but cannot be checked.
#pragma once

#include <QAbstractTableModel>
#include <QSet>
#include <QString>

#include <vector>

#include "fitbench/gpu_info.h"

class GpuListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    DeviceColumn,
    TotalMemoryColumn,
    FreeMemoryColumn,
    UtilizationColumn,
    TemperatureColumn,
    ColumnCount
  };

  explicit GpuListModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

  // Replaces the GPU rows. GPUs still listed stay selected; the others drop
  // out of the selection. `selectable`: whether the GPU module is loaded.
  void setDevices(const std::vector<fitbench::GpuInfo>& gpus, bool selectable);
  bool gpusSelectable() const { return m_selectable; }
  int gpuCount() const { return static_cast<int>(m_gpus.size()); }

  // The --gpus value of the checked rows: "0,1" in ascending order, "" for the CPU.
  QString gpusArgument() const;
  // Checks the GPUs of a --gpus value ("" checks the CPU). False,
  // and nothing changes, when it names a GPU that is not listed or cannot be
  // selected, or is not a comma-separated list of numbers.
  bool setGpusArgument(const QString& gpus);

 signals:
  void gpusArgumentChanged(const QString& gpus);

 private:
  void setSelection(const QSet<int>& selected);

  std::vector<fitbench::GpuInfo> m_gpus;
  QSet<int> m_selected;  // GPU indices (GpuInfo::index)
  bool m_selectable = false;
};
