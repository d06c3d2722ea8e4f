#include "WorkspacePanels.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMainWindow>
#include <QSettings>

#include "CheckpointBrowser.h"
#include "QueuePanel.h"
#include "RunControlBar.h"
#include "RunViews.h"
#include "RunsModel.h"
#include "RunsView.h"
#include "TrainingCharts.h"

namespace {
const QString kRootSetting = QStringLiteral("workspace/root");
}  // namespace

WorkspacePanels::WorkspacePanels(QMainWindow* window, Window parts) : QObject(window), m_window(std::move(parts)) {
  m_runs = new RunsView;
  m_runs->setObjectName(QStringLiteral("runsView"));
  m_window.views->addTab(m_runs, tr("Runs"));
  m_queue = new QueuePanel;
  m_queue->setObjectName(QStringLiteral("queuePanel"));
  m_queueDock = new QDockWidget(tr("Queue"), window);
  m_queueDock->setObjectName(QStringLiteral("queueDock"));
  m_queueDock->setWidget(m_queue);
  m_driver = new QueueDriver(m_queue, m_window.queue, this);
  m_queue->setSweepBase(m_window.formArgs);
  connect(m_driver, &QueueDriver::message, this, [this](const QString& text) { m_window.showMessage(text); });

  connect(m_runs, &RunsView::overlayRequested, this, &WorkspacePanels::overlay);
  connect(m_runs, &RunsView::workspaceChosen, this, [this](const QString& root) {
    QSettings().setValue(kRootSetting, root);
    m_queue->setWorkspace(root);
  });
  connect(m_runs, &RunsView::runActivated, this, [this](const QString& dir) { showCheckpoints(dir, false, -1); });
  // A point on a chart: its run in the Runs view, its nearest saved epoch in the checkpoint browser.
  connect(m_window.views->charts(), &TrainingCharts::epochPicked, this,
          [this](const QString& overlayDir, int checkpoint) {
            const bool live = overlayDir.isEmpty();
            const QString dir = live ? m_window.liveRunDir() : overlayDir;
            m_runs->selectDirs({dir});
            showCheckpoints(dir, live, checkpoint);
          });
  connect(m_window.runBar, &RunControlBar::queueRequested, this, [this] {
    const fitbench::FitArgs args = m_window.formArgs();
    const QString error = m_queue->add(QString::fromStdString(fitbench::FitConfig::resolve(args).network), args);
    m_window.showMessage(error.isEmpty() ? tr("Queued in %1").arg(QDir::toNativeSeparators(m_queue->queueFile()))
                                         : error);
    m_queueDock->raise();
  });
}

QString WorkspacePanels::rememberedWorkspace() {
  return QSettings().value(kRootSetting, QDir::current().absoluteFilePath(QStringLiteral("runs"))).toString();
}

void WorkspacePanels::openWorkspace(const QString& root) {
  m_runs->openWorkspace(root);
  m_queue->setWorkspace(root);
}

void WorkspacePanels::overlay(const QStringList& runDirs) {
  TrainingCharts* charts = m_window.views->charts();
  charts->clearOverlays();
  QStringList errors;
  for (const QString& dir : runDirs)
    if (const QString error = charts->addOverlay(dir); !error.isEmpty()) errors << error;
  if (!errors.isEmpty()) m_window.showMessage(errors.join(QStringLiteral("; ")));
  m_window.views->showTab(charts);
}

void WorkspacePanels::showCheckpoints(const QString& runDir, bool live, int checkpoint) {
  fitbench::FitConfig config;
  if (live)
    config = m_window.liveConfig();
  else if (const fitbench::RunSummary* run = m_runs->model()->find(runDir))
    config = run->config;
  if (config.model_prefix.empty() && checkpoint >= 0)
    return;  // it saved no checkpoints, or is not in the workspace
  const QString directory = CheckpointBrowser::checkpointDirectory(runDir, config);
  const QString prefixName = QFileInfo(QString::fromStdString(config.model_prefix)).fileName();
  if (checkpoint >= 0)
    m_window.checkpoints->showNearestEpoch(directory, QDir(directory).filePath(prefixName), checkpoint);
  else
    m_window.checkpoints->setDirectory(directory);
  m_window.checkpointDock->raise();
}
