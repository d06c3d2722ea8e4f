#include "RecentRuns.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QKeySequence>
#include <QSettings>

namespace {

const QString kSetting = QStringLiteral("recent/runs");
// Paths longer than this lose their middle in the menu (the tooltip has them whole).
constexpr int kEntryWidthChars = 70;

void store(const QStringList& folders) { QSettings().setValue(kSetting, folders); }

}  // namespace

RecentRuns::RecentRuns(QWidget* parent) : QMenu(tr("Recent run &folders"), parent) {
  setObjectName(QStringLiteral("recentRunsMenu"));
  setToolTipsVisible(true);
  m_openAction = new QAction(tr("Open &run folder…"), this);
  m_openAction->setObjectName(QStringLiteral("openRunFolderAction"));
  m_openAction->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
  m_openAction->setToolTip(
      tr("Show a run's checkpoints, curves and arguments (a folder with config.json and "
         "metrics.jsonl)"));
  connect(m_openAction, &QAction::triggered, this, &RecentRuns::chooseFolder);
  // Built as it shows, never while one of its entries is being triggered.
  connect(this, &QMenu::aboutToShow, this, &RecentRuns::rebuild);
}

QStringList RecentRuns::folders() const { return QSettings().value(kSetting).toStringList(); }

void RecentRuns::add(const QString& folder) {
  const QString absolute = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  QStringList list = folders();
  list.removeAll(absolute);
  list.prepend(absolute);
  store(list.mid(0, kMaxFolders));
}

void RecentRuns::clearFolders() { store({}); }

void RecentRuns::rebuild() {
  QStringList list = folders();
  if (list.removeIf([](const QString& folder) { return !QFileInfo(folder).isDir(); }) > 0) store(list);
  clear();
  const QFontMetrics metrics(font());
  for (qsizetype i = 0; i < list.size(); ++i) {
    const QString path = QDir::toNativeSeparators(list[i]);
    // A path's own & doubled, so it shows rather than marking a mnemonic.
    const QString shown =
        metrics.elidedText(path, Qt::ElideMiddle, metrics.averageCharWidth() * kEntryWidthChars)
            .replace(QLatin1Char('&'), QStringLiteral("&&"));
    // &1 … &8: the digit chooses the entry from the keyboard.
    QAction* entry = addAction(QStringLiteral("&%1  %2").arg(i + 1).arg(shown));
    entry->setToolTip(path);
    connect(entry, &QAction::triggered, this, [this, folder = list[i]] { emit openRequested(folder); });
  }
  if (list.isEmpty()) addAction(tr("No run folders yet"))->setEnabled(false);
  addSeparator();
  QAction* clearAction = addAction(tr("&Clear"), this, &RecentRuns::clearFolders);
  clearAction->setObjectName(QStringLiteral("clearRecentRunsAction"));
  clearAction->setEnabled(!list.isEmpty());
}

void RecentRuns::chooseFolder() {
  const QStringList list = folders();
  const QString start = list.isEmpty() ? QString() : QFileInfo(list.first()).absolutePath();
  const QString folder = QFileDialog::getExistingDirectory(parentWidget(), tr("Open a run folder"), start);
  if (!folder.isEmpty()) emit openRequested(folder);
}
