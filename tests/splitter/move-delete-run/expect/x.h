#ifndef X_H
#define X_H

int a(void);

int d(void);

#endif
