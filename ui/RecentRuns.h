// RecentRuns: File > Open run folder… and the File > Recent run folders menu.
// The run folders opened or trained last, most recent first, at most
// kMaxFolders, kept in QSettings ("recent/runs") so every window and the next
// start share them. Each time the menu shows it lists them anew, without the
// folders that no longer exist, and ends with Clear. Choosing a folder, in the menu or in the
// dialog (which starts beside the most recent one), emits openRequested();
// the window opens it and add()s it.
#pragma once

#include <QMenu>
#include <QStringList>

class QAction;

class RecentRuns : public QMenu {
  Q_OBJECT

 public:
  static constexpr int kMaxFolders = 8;

  explicit RecentRuns(QWidget* parent = nullptr);

  // "Open run folder…": asks for a folder with a dialog.
  QAction* openAction() const { return m_openAction; }
  QStringList folders() const;
  // Puts `folder` (made absolute) first.
  void add(const QString& folder);
  void clearFolders();

 signals:
  void openRequested(const QString& folder);

 private:
  void rebuild();  // the entries, without the folders that are gone
  void chooseFolder();

  QAction* m_openAction = nullptr;
};
