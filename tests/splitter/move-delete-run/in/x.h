#ifndef X_H
#define X_H

int a(void);
int b(void);
int c(void);

int d(void);

#endif
