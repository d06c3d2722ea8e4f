#include "WorkspacePanels.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMainWindow>
#include <QSettings>

#include "QueuePanel.h"
#include "RunsModel.h"
#include "RunsView.h"

namespace {
const QString kRootSetting = QStringLiteral("workspace/root");
}  // namespace

WorkspacePanels::WorkspacePanels(QMainWindow* window, QueueDriver::Window hooks) : QObject(window) {
  m_runs = new RunsView;
  m_runs->setObjectName(QStringLiteral("runsView"));
  m_queue = new QueuePanel;
  m_queue->setObjectName(QStringLiteral("queuePanel"));
  m_queueDock = new QDockWidget(tr("Queue"), window);
  m_queueDock->setObjectName(QStringLiteral("queueDock"));
  m_queueDock->setWidget(m_queue);
  m_driver = new QueueDriver(m_queue, std::move(hooks), this);

  connect(m_runs, &RunsView::overlayRequested, this, &WorkspacePanels::overlayRequested);
  connect(m_runs, &RunsView::workspaceChosen, this, [this](const QString& root) {
    QSettings().setValue(kRootSetting, root);
    m_queue->setWorkspace(root);
  });
  // A run's checkpoints sit where its --model-prefix points, else in its directory.
  connect(m_runs, &RunsView::runActivated, this, [this](const QString& dir) {
    const fitbench::RunSummary* run = m_runs->model()->find(dir);
    if (!run) return;
    const std::string prefix = run->args.get_string("model-prefix");
    emit checkpointsRequested(prefix.empty() ? dir : QFileInfo(QString::fromStdString(prefix)).absolutePath());
  });
}

QString WorkspacePanels::rememberedWorkspace() {
  return QSettings().value(kRootSetting, QDir::current().absoluteFilePath(QStringLiteral("runs"))).toString();
}

void WorkspacePanels::openWorkspace(const QString& root) {
  m_runs->openWorkspace(root);
  m_queue->setWorkspace(root);
}
