"""Sanxin: the 三信 model of rural governance."""
