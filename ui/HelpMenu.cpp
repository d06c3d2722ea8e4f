#include "HelpMenu.h"

#include <QAction>
#include <QApplication>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QMenuBar>
#include <QMessageBox>
#include <QUrl>

#include "fitbench/gpu_module.h"

namespace {

void collectShortcuts(const QMenu* menu, QStringList& lines) {
  for (const QAction* action : menu->actions()) {
    if (action->menu() != nullptr) collectShortcuts(action->menu(), lines);
    if (action->shortcut().isEmpty()) continue;
    lines << action->shortcut().toString(QKeySequence::NativeText) + QLatin1Char('\t') +
                 QString(action->text()).remove(QLatin1Char('&'));
  }
}

}  // namespace

HelpMenu::HelpMenu(QMainWindow* window) : QMenu(tr("&Help"), window), m_window(window) {
  QAction* shortcuts = addAction(tr("&Keyboard shortcuts"), this, [this] {
    QMessageBox box(QMessageBox::Information, tr("Keyboard shortcuts"), shortcutLines().join(QLatin1Char('\n')),
                    QMessageBox::Ok, m_window);
    box.setObjectName(QStringLiteral("shortcutsBox"));
    box.exec();
  });
  shortcuts->setObjectName(QStringLiteral("shortcutsAction"));
  shortcuts->setShortcut(QKeySequence::HelpContents);
  QAction* readme = addAction(tr("&README"), this, [] { QDesktopServices::openUrl(QUrl::fromLocalFile(readmePath())); });
  readme->setObjectName(QStringLiteral("readmeAction"));
  readme->setEnabled(!readmePath().isEmpty());
  readme->setToolTip(readme->isEnabled() ? readmePath() : tr("No README is installed beside this program"));
  addSeparator();
  addAction(tr("&About fitbench"), this, [this] {
    QMessageBox::about(m_window, tr("About fitbench"),
                       tr("<p><b>fitbench %1</b>: a workbench for training image classifiers, with MXNet "
                          "fit.py's arguments, checkpoints and kvstores.</p><p>Qt %2</p><p>%3</p>")
                           .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion()),
                                QString::fromStdString(fitbench::gpu_module_summary()).toHtmlEscaped()));
  })->setObjectName(QStringLiteral("aboutAction"));
  addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

QStringList HelpMenu::shortcutLines() const {
  QStringList lines;
  for (const QAction* action : m_window->menuBar()->actions())
    if (action->menu() != nullptr) collectShortcuts(action->menu(), lines);
  return lines;
}

QString HelpMenu::readmePath() { return readmeFor(QCoreApplication::applicationDirPath()); }

QString HelpMenu::readmeFor(const QString& programDir) {
  const QDir bin(programDir);
  for (const QString& candidate : {bin.filePath(QStringLiteral("../share/doc/fitbench/README.md")),
                                   bin.filePath(QStringLiteral("../../README.md"))})
    if (QFileInfo::exists(candidate)) return QFileInfo(candidate).canonicalFilePath();
  return {};
}
