// RecentRuns: File > Recent run folders keeps the last eight folders opened
// or trained, most recent first and each once, in QSettings "recent/runs";
// the menu drops the folders that are gone when it shows, opens an entry,
// and Clear empties it.
#include <QAction>
#include <QDir>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "RecentRuns.h"

namespace {

// The folder entries of the menu as it shows, by their tooltips (the full paths).
QStringList entryPaths(RecentRuns& menu) {
  emit menu.aboutToShow();
  QStringList paths;
  for (const QAction* action : menu.actions())
    if (!action->isSeparator() && action->isEnabled() && action->objectName().isEmpty())
      paths << action->toolTip();
  return paths;
}

}  // namespace

class TestRecentRuns : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void keepsTheLastEightMostRecentFirst();
  void dropsFoldersThatAreGone();
  void opensAnEntryAndClears();

 private:
  QString folder(const QString& name) const;
  QTemporaryDir m_tmp;
};

void TestRecentRuns::initTestCase() {
  QVERIFY(m_tmp.isValid());
  // In this test's own settings, not the tester's.
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_tmp.filePath(QStringLiteral("settings")));
}

QString TestRecentRuns::folder(const QString& name) const {
  const QString path = m_tmp.filePath(name);
  QDir().mkpath(path);
  return path;
}

void TestRecentRuns::keepsTheLastEightMostRecentFirst() {
  RecentRuns menu;
  menu.clearFolders();
  QVERIFY(menu.folders().isEmpty());
  for (int i = 0; i < 10; ++i) menu.add(folder(QStringLiteral("run-%1").arg(i)));
  QCOMPARE(menu.folders().size(), RecentRuns::kMaxFolders);
  QCOMPARE(menu.folders().first(), m_tmp.filePath(QStringLiteral("run-9")));
  QCOMPARE(menu.folders().last(), m_tmp.filePath(QStringLiteral("run-2")));
  // Again: moved to the front, not listed twice; a relative or untidy path is the same folder.
  menu.add(m_tmp.filePath(QStringLiteral("run-5/")));
  QCOMPARE(menu.folders().first(), m_tmp.filePath(QStringLiteral("run-5")));
  QCOMPARE(menu.folders().count(m_tmp.filePath(QStringLiteral("run-5"))), 1);
  QCOMPARE(menu.folders().size(), RecentRuns::kMaxFolders);
  // Kept for the next window, in the settings.
  QCOMPARE(QSettings().value(QStringLiteral("recent/runs")).toStringList(), menu.folders());
  RecentRuns next;
  QCOMPARE(entryPaths(next), menu.folders());
}

void TestRecentRuns::dropsFoldersThatAreGone() {
  RecentRuns menu;
  menu.clearFolders();
  const QString kept = folder(QStringLiteral("kept"));
  const QString gone = folder(QStringLiteral("gone"));
  menu.add(kept);
  menu.add(gone);
  QCOMPARE(entryPaths(menu), (QStringList{gone, kept}));
  QVERIFY(QDir(gone).removeRecursively());
  QCOMPARE(entryPaths(menu), QStringList{kept});
  QCOMPARE(menu.folders(), QStringList{kept});
}

void TestRecentRuns::opensAnEntryAndClears() {
  RecentRuns menu;
  menu.clearFolders();
  emit menu.aboutToShow();
  auto* clear = menu.findChild<QAction*>(QStringLiteral("clearRecentRunsAction"));
  QVERIFY(clear && !clear->isEnabled());
  const QString run = folder(QStringLiteral("opened"));
  menu.add(run);
  emit menu.aboutToShow();
  QSignalSpy opened(&menu, &RecentRuns::openRequested);
  for (QAction* action : menu.actions())
    if (action->toolTip() == run) action->trigger();
  QCOMPARE(opened.count(), 1);
  QCOMPARE(opened.at(0).at(0).toString(), run);
  QVERIFY(menu.actions().constFirst()->text().startsWith(QStringLiteral("&1")));  // a digit chooses it
  // A path's & shows as itself, not as a mnemonic.
  const QString ampersand = folder(QStringLiteral("R&D"));
  menu.add(ampersand);
  emit menu.aboutToShow();
  QVERIFY2(menu.actions().constFirst()->text().endsWith(QStringLiteral("R&&D")),
           qPrintable(menu.actions().constFirst()->text()));

  clear = menu.findChild<QAction*>(QStringLiteral("clearRecentRunsAction"));
  QVERIFY(clear && clear->isEnabled());  // this showing's Clear
  clear->trigger();
  QVERIFY(menu.folders().isEmpty());
  QVERIFY(entryPaths(menu).isEmpty());
  QVERIFY(menu.openAction() && !menu.openAction()->shortcut().isEmpty());
}

QTEST_MAIN(TestRecentRuns)
#include "tst_recentruns.moc"
