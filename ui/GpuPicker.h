// GpuPicker: chooses the devices of a run. A table of the CPU and every GPU
// that NVML reports (name, memory, utilization, temperature; refreshed every
// few seconds while shown), each checkable; the checks make the --gpus value
// ("0,1", "" for the CPU). A line above the table says why GPUs cannot be
// picked: the GPU module is missing or does not load (its reason), or there
// is no NVIDIA driver.
#pragma once

#include <QString>
#include <QWidget>

#include "fitbench/gpu_info.h"
#include "fitbench/gpu_module.h"

class GpuListModel;
class QLabel;
class QTableView;
class QTimer;

class GpuPicker : public QWidget {
  Q_OBJECT

 public:
  // Lists this machine's GPUs for this fitbench and its GPU module.
  explicit GpuPicker(QWidget* parent = nullptr);

  // Shows `inventory` as if the GPU module were in the state `module` says;
  // stops the periodic refresh. Tests feed fake devices here.
  void setInventory(const fitbench::GpuInventory& inventory, const fitbench::GpuModuleStatus& module);

  // The --gpus value of the checked devices ("" means the CPU).
  QString selectedGpus() const;
  // Checks the devices of a --gpus value; false (nothing changes) when it names
  // a GPU that cannot be picked.
  bool setSelectedGpus(const QString& gpus);

  // What the line above the table says.
  QString statusText() const;
  GpuListModel* model() const { return m_model; }
  QTableView* table() const { return m_table; }

 public slots:
  // Asks NVML again (memory, utilization and temperature change).
  void refresh();

 signals:
  // The --gpus value changed.
  void gpusChanged(const QString& gpus);

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  void showInventory(const fitbench::GpuInventory& inventory, const fitbench::GpuModuleStatus& module);

  GpuListModel* m_model;
  QTableView* m_table;
  QLabel* m_status;
  QTimer* m_timer;
  bool m_live = true;  // refresh from NVML (false once a test fed an inventory)
};
