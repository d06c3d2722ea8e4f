#include "Screenshots.h"

#include <QCoreApplication>
#include <QDir>
#include <QPixmap>

QStringList saveScreenshots(MainWindow& window, const QString& dir, QString* error) {
  QStringList written;
  if (!QDir().mkpath(dir)) {
    *error = QCoreApplication::translate("Screenshots", "Cannot create the screenshot directory %1").arg(dir);
    return written;
  }
  const QList<MainWindow::View> views = window.views();
  for (const MainWindow::View& view : views) {
    if (view.reveal) view.reveal();
    // Lets a newly selected tab lay itself out and its charts rescale.
    QCoreApplication::processEvents();
    const QString path = QDir(dir).filePath(view.name + QStringLiteral(".png"));
    if (!view.widget->grab().save(path, "PNG")) {
      *error = QCoreApplication::translate("Screenshots", "Cannot write the screenshot %1").arg(path);
      return written;
    }
    written << path;
  }
  if (!views.isEmpty() && views.front().reveal) views.front().reveal();
  return written;
}
