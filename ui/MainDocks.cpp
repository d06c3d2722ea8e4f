#include "MainDocks.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QScrollArea>

#include "CheckpointBrowser.h"
#include "ExperimentPanel.h"
#include "GpuPicker.h"

namespace {

constexpr int kDockWidth = 380;  // the experiment form without a horizontal scroll bar

}  // namespace

MainDocks::MainDocks(QMainWindow* window) : QObject(window), m_window(window) {
  m_experiment = new ExperimentPanel;
  m_experimentDock = addDock(tr("Experiment"), QStringLiteral("experimentDock"), m_experiment);
  m_experimentDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);

  m_checkpointBrowser = new CheckpointBrowser;
  m_checkpointBrowser->setObjectName(QStringLiteral("checkpointBrowser"));
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(m_checkpointBrowser);
  m_checkpointDock = addDock(tr("Checkpoints"), QStringLiteral("checkpointDock"), scroll);

  m_gpuPicker = new GpuPicker;
  m_gpuPicker->setObjectName(QStringLiteral("gpuPicker"));
  m_devicesDock = addDock(tr("Devices"), QStringLiteral("devicesDock"), m_gpuPicker);
  // setSelectedGpus() emits nothing for an unchanged value, so form and picker do not loop.
  connect(m_gpuPicker, &GpuPicker::gpusChanged, this, [this](const QString& gpus) {
    if (m_running) return;
    fitbench::FitArgs args = m_experiment->args();
    if (gpus.isEmpty())
      args.unset("gpus");
    else
      args.set("gpus", gpus.toStdString());
    m_experiment->setArgs(args);
  });
}

QDockWidget* MainDocks::addDock(const QString& title, const QString& name, QWidget* content) {
  auto* dock = new QDockWidget(title, m_window);
  dock->setObjectName(name);
  dock->setWidget(content);
  return dock;
}

QList<QAction*> MainDocks::toggleActions() const {
  return {m_experimentDock->toggleViewAction(), m_checkpointDock->toggleViewAction(),
          m_devicesDock->toggleViewAction()};
}

void MainDocks::arrange(QDockWidget* queueDock) {
  m_window->addDockWidget(Qt::LeftDockWidgetArea, m_experimentDock);
  m_window->tabifyDockWidget(m_experimentDock, m_checkpointDock);
  m_window->tabifyDockWidget(m_checkpointDock, m_devicesDock);
  m_window->tabifyDockWidget(m_devicesDock, queueDock);
  m_experimentDock->raise();
  m_window->resizeDocks({m_experimentDock}, {kDockWidth}, Qt::Horizontal);
}

void MainDocks::setRunInProgress(bool running) {
  m_running = running;
  m_experiment->setRunInProgress(running);
  m_gpuPicker->setEnabled(!running);
  m_checkpointBrowser->setRunInProgress(running);
}
