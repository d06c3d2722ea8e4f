#include "WorkspaceWatcher.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QSet>
#include <QTimer>

#include <memory>

namespace {
constexpr int kCoalesceMs = 200;
constexpr int kLiveCheckMs = 2000;
}  // namespace

// Everything that touches the files, on the watcher's thread.
class WorkspaceWorker : public QObject {
  Q_OBJECT

 public:
  WorkspaceWorker() {
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kCoalesceMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &WorkspaceWorker::flush);
    m_liveTimer.setInterval(kLiveCheckMs);
    connect(&m_liveTimer, &QTimer::timeout, this, &WorkspaceWorker::checkLiveRuns);
  }

  void open(const QString& root) {
    QElapsedTimer clock;
    clock.start();
    QStringList gone;
    if (m_workspace)
      for (const fitbench::RunSummary* run : m_workspace->runs()) gone << QString::fromStdString(run->dir);
    if (!gone.isEmpty()) emit runsRemoved(gone);
    m_watcher = std::make_unique<QFileSystemWatcher>();
    connect(m_watcher.get(), &QFileSystemWatcher::directoryChanged, this, &WorkspaceWorker::onDirectoryChanged);
    connect(m_watcher.get(), &QFileSystemWatcher::fileChanged, this, &WorkspaceWorker::onFileChanged);
    m_root = QDir::cleanPath(root);
    m_workspace = std::make_unique<fitbench::RunWorkspace>(m_root.toStdString());
    m_pending.clear();
    m_rescan = false;
    QVector<fitbench::RunSummary> all;
    try {
      m_workspace->scan();
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
    for (const fitbench::RunSummary* run : m_workspace->runs()) all.append(*run);
    watchFolders();
    m_liveTimer.start();
    emit runsChanged(all);
    emit opened(m_root, static_cast<int>(all.size()), clock.elapsed());
  }

  void setNotes(const QString& dir, const fitbench::RunNotes& notes) {
    if (!m_workspace || !m_workspace->find(dir.toStdString())) return;
    try {
      m_workspace->set_notes(dir.toStdString(), notes);
      emit runsChanged({*m_workspace->find(dir.toStdString())});
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
  }

  void remove(const QString& dir) {
    if (!m_workspace || !m_workspace->find(dir.toStdString())) return;
    try {
      m_workspace->remove(dir.toStdString());
      emit runsRemoved({dir});
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
    watchFolders();
  }

 signals:
  void runsChanged(const QVector<fitbench::RunSummary>& runs);
  void runsRemoved(const QStringList& dirs);
  void opened(const QString& root, int runs, qint64 milliseconds);
  void failed(const QString& message);

 private:
  // The workspace folder, each folder in it (a run appears there before its
  // config.json does) and each run's records.
  void watchFolders() {
    if (!m_watcher) return;
    QStringList paths{m_root};
    const QDir root(m_root);
    for (const QString& name : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) paths << root.filePath(name);
    if (m_workspace)
      for (const fitbench::RunSummary* run : m_workspace->runs())
        paths << QString::fromStdString(fitbench::run_records_path(run->dir));
    QStringList watched = m_watcher->directories() + m_watcher->files();
    QStringList added;
    for (const QString& p : paths)
      if (!watched.contains(p) && QFileInfo::exists(p)) added << p;
    if (!added.isEmpty()) m_watcher->addPaths(added);
  }

  void onDirectoryChanged(const QString& path) {
    if (path == m_root || !m_workspace->find(path.toStdString()))
      m_rescan = true;  // a run added or removed, or one getting its config.json
    else
      m_pending.insert(path);
    m_flushTimer.start();
  }

  void onFileChanged(const QString& path) {
    m_pending.insert(QFileInfo(path).absolutePath());
    m_flushTimer.start();
  }

  void flush() {
    QVector<fitbench::RunSummary> changed;
    QStringList removed;
    if (m_rescan) {
      m_rescan = false;
      for (const std::string& dir : m_workspace->scan()) {
        if (const fitbench::RunSummary* run = m_workspace->find(dir))
          changed.append(*run);
        else
          removed << QString::fromStdString(dir);
      }
    }
    for (const QString& dir : std::as_const(m_pending)) {
      const std::string path = dir.toStdString();
      if (!m_workspace->find(path)) continue;
      // Read in any case; sent when that changed it or its status changed before.
      if (!m_workspace->refresh(path) && !m_statusChanged.contains(dir)) continue;
      if (const fitbench::RunSummary* run = m_workspace->find(path))
        changed.append(*run);
      else
        removed << dir;
    }
    m_pending.clear();
    m_statusChanged.clear();
    watchFolders();  // a file replaced or a folder added drops out of, or is new to, the watch
    if (!removed.isEmpty()) emit runsRemoved(removed);
    if (!changed.isEmpty()) emit runsChanged(changed);
  }

  void checkLiveRuns() {
    if (!m_workspace) return;
    // A workspace folder that did not exist when it was opened (the first run
    // makes it): looked for once it does.
    if (!m_watcher->directories().contains(m_root) && QFileInfo::exists(m_root)) m_rescan = true;
    for (const fitbench::RunSummary* run : m_workspace->runs())
      if (run->status == fitbench::RunStatus::Running) m_pending.insert(QString::fromStdString(run->dir));
    for (const std::string& dir : m_workspace->refresh_status()) {
      m_pending.insert(QString::fromStdString(dir));
      m_statusChanged.insert(QString::fromStdString(dir));
    }
    if (!m_pending.isEmpty() || m_rescan) flush();
  }

  QString m_root;
  std::unique_ptr<fitbench::RunWorkspace> m_workspace;
  std::unique_ptr<QFileSystemWatcher> m_watcher;
  QSet<QString> m_pending;        // run folders to read again
  QSet<QString> m_statusChanged;  // of those, the ones whose status changed already (a process died)
  bool m_rescan = false;    // folders to look for
  // Children, so they move to the worker's thread with it.
  QTimer m_flushTimer{this};
  QTimer m_liveTimer{this};
};

WorkspaceWatcher::WorkspaceWatcher(QObject* parent) : QObject(parent), m_worker(new WorkspaceWorker) {
  qRegisterMetaType<fitbench::RunSummary>("fitbench::RunSummary");
  qRegisterMetaType<fitbench::RunNotes>("fitbench::RunNotes");
  qRegisterMetaType<QVector<fitbench::RunSummary>>("QVector<fitbench::RunSummary>");
  m_thread.setObjectName(QStringLiteral("workspace"));
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &WorkspaceWorker::runsChanged, this, &WorkspaceWatcher::runsChanged);
  connect(m_worker, &WorkspaceWorker::runsRemoved, this, &WorkspaceWatcher::runsRemoved);
  connect(m_worker, &WorkspaceWorker::opened, this, &WorkspaceWatcher::opened);
  connect(m_worker, &WorkspaceWorker::failed, this, &WorkspaceWatcher::failed);
  m_thread.start();
}

WorkspaceWatcher::~WorkspaceWatcher() {
  m_thread.quit();
  m_thread.wait();
}

void WorkspaceWatcher::open(const QString& root) {
  m_root = QDir::cleanPath(root);
  QMetaObject::invokeMethod(m_worker, [worker = m_worker, root = m_root] { worker->open(root); });
}

void WorkspaceWatcher::setNotes(const QString& dir, const fitbench::RunNotes& notes) {
  QMetaObject::invokeMethod(m_worker, [worker = m_worker, dir, notes] { worker->setNotes(dir, notes); });
}

void WorkspaceWatcher::remove(const QString& dir) {
  QMetaObject::invokeMethod(m_worker, [worker = m_worker, dir] { worker->remove(dir); });
}

#include "WorkspaceWatcher.moc"
