// HelpMenu: the Help menu. Keyboard shortcuts (every menu action that has
// one, read from the window's menus), the README (the installed copy or the
// source tree's, when either is there), About fitbench (version, Qt, the GPU
// module) and About Qt.
#pragma once

#include <QMenu>

class QMainWindow;

class HelpMenu : public QMenu {
  Q_OBJECT

 public:
  explicit HelpMenu(QMainWindow* window);

  // "F5\tStart" lines of the window's menus, as the shortcuts dialog lists them.
  QStringList shortcutLines() const;
  // The README to open; "" when none is installed or at hand.
  static QString readmePath();
  // The README for a program in `programDir`: installed (<prefix>/bin and
  // <prefix>/share/doc/fitbench) or built (build/app in the source tree).
  static QString readmeFor(const QString& programDir);

 private:
  QMainWindow* m_window;
};
