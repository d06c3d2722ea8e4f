// MainDocks: the docks of the window's left side. Experiment (ExperimentPanel:
// the form), Checkpoints (CheckpointBrowser: the saved epochs of the current
// run's --model-prefix directory, to load, resume or branch from; in a scroll
// area, since it stacks a table, tabs and buttons) and Devices (GpuPicker: the
// CPU and the GPUs, whose checks write --gpus into the form). arrange() makes
// them tabs on the left with the workspace's Queue dock, the Experiment in
// front, so the charts beside them keep the most room (in a 1280 px window a
// column of checkpoints on the right left the charts 430 px); any can be
// dragged elsewhere. While a run goes on, the form, the devices and the
// browser's Resume and Branch are fixed.
#pragma once

#include <QList>
#include <QObject>

class CheckpointBrowser;
class ExperimentPanel;
class GpuPicker;
class QAction;
class QDockWidget;
class QMainWindow;

class MainDocks : public QObject {
  Q_OBJECT

 public:
  explicit MainDocks(QMainWindow* window);

  ExperimentPanel* experiment() const { return m_experiment; }
  QDockWidget* experimentDock() const { return m_experimentDock; }
  CheckpointBrowser* checkpointBrowser() const { return m_checkpointBrowser; }
  QDockWidget* checkpointDock() const { return m_checkpointDock; }
  GpuPicker* gpuPicker() const { return m_gpuPicker; }
  QDockWidget* devicesDock() const { return m_devicesDock; }
  // The View menu's toggles of these docks.
  QList<QAction*> toggleActions() const;

  // Puts the docks, then `queueDock`, in one tab group on the left, the Experiment in front.
  void arrange(QDockWidget* queueDock);
  void setRunInProgress(bool running);

 private:
  QDockWidget* addDock(const QString& title, const QString& name, QWidget* content);

  QMainWindow* m_window;
  ExperimentPanel* m_experiment = nullptr;
  QDockWidget* m_experimentDock = nullptr;
  CheckpointBrowser* m_checkpointBrowser = nullptr;
  QDockWidget* m_checkpointDock = nullptr;
  GpuPicker* m_gpuPicker = nullptr;
  QDockWidget* m_devicesDock = nullptr;
  bool m_running = false;
};
