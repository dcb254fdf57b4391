package web

func (s *Server) officePages(page func(string, pageHandler)) {}
